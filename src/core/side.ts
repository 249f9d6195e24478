/** The two roles in a sync pair. Either side can be any backend. */
export type Side = 'local' | 'remote';

/** The side that is not `side`. */
export function otherSide(side: Side): Side {
  return side === 'local' ? 'remote' : 'local';
}

/** Fails to compile when a union is not handled exhaustively. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
