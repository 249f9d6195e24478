"""ferry's loopback pyftpdlib test server (started by scripts/servers/pyftpdlib.sh).

Serves one data root on two ports from one process (one IOLoop):
  PORT       a normal server: MLSD, MFMT, UTF8
  NOMTIME    the same without MFMT, so a client has no way to set modification times

Plain FTP only: pyftpdlib 1.5.7's FTPS resets data connections for basic-ftp (upstream #604).
Arguments: PORT NOMTIME_PORT PASSIVE_FIRST USER PASSWORD DATA_ROOT
"""
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main() -> None:
    port, nomtime_port, passive_first = (int(x) for x in sys.argv[1:4])
    user, password, root = sys.argv[4:7]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    authorizer = DummyAuthorizer()
    # e l r a d f m w: cwd, list, read, append, delete, rename, mkdir, write; M chmod; T MFMT.
    authorizer.add_user(user, password, root, perm="elradfmwMT")

    class Handler(FTPHandler):
        pass

    Handler.authorizer = authorizer
    Handler.passive_ports = range(passive_first, passive_first + 50)
    Handler.permit_foreign_addresses = False
    Handler.use_gmt_times = True
    Handler.banner = "ferry test pyftpdlib"
    # Tests try wrong passwords: keep the anti-brute-force pause short.
    Handler.auth_failed_timeout = 0.1

    class NoMtimeHandler(Handler):
        pass

    # Dropping the command also drops it from FEAT, as on a server that never had it.
    NoMtimeHandler.proto_cmds = {k: v for k, v in FTPHandler.proto_cmds.items() if k != "MFMT"}
    NoMtimeHandler.passive_ports = range(passive_first + 50, passive_first + 100)
    NoMtimeHandler.banner = "ferry test pyftpdlib without MFMT"

    servers = [FTPServer(("127.0.0.1", port), Handler), FTPServer(("127.0.0.1", nomtime_port), NoMtimeHandler)]
    for server in servers:
        server.max_cons = 256
        server.max_cons_per_ip = 0
    # Both servers share the default IOLoop: serving one serves both.
    servers[0].serve_forever(handle_exit=True)


if __name__ == "__main__":
    main()
