/**
 * `ferry completion bash|zsh|fish`: prints a shell completion script (docs/completion.md).
 *
 * The script is generated from the commander program at the time it is printed (its commands,
 * their options, option values with fixed choices, file names for targets and file options), so it
 * stays current as commands and options are added.
 */
import { Argument, Command, type Option } from 'commander';

/** What completion needs to know about one option. */
interface OptionInfo {
  readonly names: readonly string[];
  readonly description: string;
  /** Kind of value the option takes: none, a fixed list, a file, a folder, or free text. */
  readonly value: { kind: 'none' } | { kind: 'choices'; choices: readonly string[] } | { kind: 'file' } | { kind: 'dir' } | { kind: 'text'; name: string };
}

/** What completion needs to know about one command. */
interface CommandInfo {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionInfo[];
  /** Fixed choices for the positional arguments, or undefined: complete file names. */
  readonly argChoices?: readonly string[];
  /** Arguments of the program whose output lines are the choices, asked at completion time. */
  readonly argQuery?: string;
}

/**
 * Positional arguments completed by asking ferry itself when TAB is pressed: `ferry run <TAB>`
 * offers the tasks of the task file found from the current folder.
 */
const QUERIED_ARGUMENTS: Readonly<Record<string, string>> = { run: 'run --list-tasks' };

const HELP_OPTION: OptionInfo = { names: ['-h', '--help'], description: 'display help for command', value: { kind: 'none' } };

function optionInfo(option: Option): OptionInfo {
  const names = [option.short, option.long].filter((name): name is string => name !== undefined);
  const takesValue = option.required || option.optional;
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? 'value';
  let value: OptionInfo['value'] = { kind: 'none' };
  if (takesValue) {
    if (option.argChoices) value = { kind: 'choices', choices: option.argChoices };
    else if (/^(file|path)$/i.test(valueName)) value = { kind: 'file' };
    else if (/^(dir|folder)$/i.test(valueName)) value = { kind: 'dir' };
    else value = { kind: 'text', name: valueName };
  }
  return { names, description: option.description, value };
}

function isHidden(command: Command): boolean {
  return (command as unknown as { _hidden?: boolean })._hidden === true;
}

/** Reads the commands and options of `program`. */
export function describeProgram(program: Command): { name: string; options: OptionInfo[]; commands: CommandInfo[] } {
  const commands: CommandInfo[] = program.commands
    .filter((command) => !isHidden(command))
    .map((command) => {
      const args: readonly Argument[] = command.registeredArguments;
      const choices = args.flatMap((arg) => arg.argChoices ?? []);
      return {
        name: command.name(),
        description: command.description(),
        options: [...command.options.filter((option) => !option.hidden).map(optionInfo), HELP_OPTION],
        argChoices: choices.length > 0 ? choices : undefined,
        argQuery: QUERIED_ARGUMENTS[command.name()],
      };
    });
  commands.push({ name: 'help', description: 'display help for command', options: [], argChoices: commands.map((command) => command.name) });
  return { name: program.name(), options: [...program.options.map(optionInfo), HELP_OPTION], commands };
}

function shellWords(words: readonly string[]): string {
  // Command, option and choice names are plain words; quote defensively anyway.
  return words.map((word) => word.replace(/[^A-Za-z0-9_.,:=@%+/-]/g, (ch) => `\\${ch}`)).join(' ');
}

function bashFunctionName(name: string): string {
  return `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_completion`;
}

/** A bash completion script for the program (also works in zsh with bashcompinit). */
export function bashScript(program: Command): string {
  const info = describeProgram(program);
  const fn = bashFunctionName(info.name);
  const valueCases = (options: readonly OptionInfo[]): string[] => {
    const lines: string[] = [];
    for (const option of options) {
      const pattern = option.names.join('|');
      switch (option.value.kind) {
        case 'none':
          break;
        case 'choices':
          lines.push(`      ${pattern}) COMPREPLY=($(compgen -W "${shellWords(option.value.choices)}" -- "$cur")); return 0 ;;`);
          break;
        case 'file':
          lines.push(`      ${pattern}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;`);
          break;
        case 'dir':
          lines.push(`      ${pattern}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;`);
          break;
        case 'text':
          lines.push(`      ${pattern}) COMPREPLY=(); return 0 ;;`);
          break;
      }
    }
    return lines;
  };
  const valued = (options: readonly OptionInfo[]): string[] => options.filter((option) => option.value.kind !== 'none').flatMap((option) => option.names);
  const commandCases = info.commands.map((command) => {
    const optionWords = shellWords(command.options.flatMap((option) => option.names));
    const positional = command.argQuery
      ? `COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" ${command.argQuery} 2>/dev/null)" -- "$cur"))`
      : command.argChoices
        ? `COMPREPLY=($(compgen -W "${shellWords(command.argChoices)}" -- "$cur"))`
        : `compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))`;
    const cases = valueCases(command.options);
    return [
      `    ${command.name})`,
      ...(cases.length > 0 ? ['      case "$prev" in', ...cases.map((line) => `  ${line}`), '      esac'] : []),
      `      if [[ $cur == -* ]]; then`,
      `        COMPREPLY=($(compgen -W "${optionWords}" -- "$cur"))`,
      `      else`,
      `        ${positional}`,
      `      fi`,
      `      ;;`,
    ].join('\n');
  });
  const globalValued = valued(info.options);
  return `# bash completion for ${info.name} (generated by \`${info.name} completion bash\`; see docs/completion.md)
# Install: ${info.name} completion bash > ~/.local/share/bash-completion/completions/${info.name}
#      or: source <(${info.name} completion bash)      # in ~/.bashrc
${fn}() {
  local cur prev cmd i word
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  cmd=""
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      ${globalValued.length > 0 ? `${globalValued.join('|')}) (( i++ )) ;;\n      ` : ''}-*) ;;
      *) cmd="$word"; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "${shellWords(info.options.flatMap((option) => option.names))}" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "${shellWords(info.commands.map((command) => command.name))}" -- "$cur"))
    fi
    return 0
  fi
  case "$cmd" in
${commandCases.join('\n')}
  esac
  return 0
}
complete -F ${fn} ${info.name}
`;
}

/** Escapes text for a zsh `_arguments` description inside single quotes. */
function zshDescription(text: string): string {
  // Inside [...] only brackets and backslashes need a backslash; single quotes end the word.
  return singleQuoted(text.replace(/([[\]\\])/g, '\\$1'));
}

/** Text to place inside a single-quoted shell word. */
function singleQuoted(text: string): string {
  return text.replace(/'/g, `'\\''`);
}

function zshOptionSpecs(options: readonly OptionInfo[]): string[] {
  return options.flatMap((option) => {
    const description = zshDescription(option.description);
    let action = '';
    switch (option.value.kind) {
      case 'none':
        break;
      case 'choices':
        action = `:${option.value.choices.length > 0 ? 'value' : ''}:(${option.value.choices.map((c) => c.replace(/'/g, `'\\''`).replace(/([ ()\\])/g, '\\$1')).join(' ')})`;
        break;
      case 'file':
        action = ':file:_files';
        break;
      case 'dir':
        action = ':folder:_files -/';
        break;
      case 'text':
        action = `:${zshDescription(option.value.name)}: `;
        break;
    }
    // Long options with a value take it as `--opt value` or `--opt=value`: `=` in the spec allows both.
    const specNames = option.names.map((name) => (name.startsWith('--') && option.value.kind !== 'none' ? `${name}=` : name));
    if (specNames.length === 1) return [`'${specNames[0]}[${description}]${action}'`];
    return [`'(${option.names.join(' ')})'{${specNames.join(',')}}'[${description}]${action}'`];
  });
}

/** A zsh completion script for the program (`compdef` style). */
export function zshScript(program: Command): string {
  const info = describeProgram(program);
  const fn = `_${info.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const commandList = info.commands.map((command) => `    '${command.name.replace(/:/g, '\\:')}:${singleQuoted(command.description)}'`);
  const commandCases = info.commands.map((command) => {
    const specs = zshOptionSpecs(command.options);
    const positional = command.argQuery
      ? `'1:task:{compadd -- \${(f)"$(${info.name} ${command.argQuery} 2>/dev/null)"}}'`
      : command.argChoices
        ? `'*:argument:(${command.argChoices.join(' ')})'`
        : `'*:target:_files'`;
    return [
      `        ${command.name})`,
      `          _arguments -s \\`,
      ...[...specs, positional].map((spec, index, all) => `            ${spec}${index < all.length - 1 ? ' \\' : ''}`),
      `          ;;`,
    ].join('\n');
  });
  return `#compdef ${info.name}
# zsh completion for ${info.name} (generated by \`${info.name} completion zsh\`; see docs/completion.md)
# Install: ${info.name} completion zsh > "\${fpath[1]}/_${info.name}"     (then restart zsh)
#      or: source <(${info.name} completion zsh)                 # in ~/.zshrc, after compinit
${fn}() {
  local curcontext="$curcontext" state line ret=1
  typeset -A opt_args
  local -a commands
  commands=(
${commandList.join('\n')}
  )
  _arguments -C \\
${zshOptionSpecs(info.options)
  .map((spec) => `    ${spec} \\`)
  .join('\n')}
    '1:command:->command' \\
    '*::argument:->argument' && ret=0
  case $state in
    command)
      _describe -t commands 'command' commands && ret=0
      ;;
    argument)
      case $words[1] in
${commandCases.join('\n')}
      esac
      ;;
  esac
  return ret
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${info.name}
fi
`;
}

/** Text inside a fish single-quoted string (only `\\` and `'` need escaping there). */
function fishQuoted(text: string): string {
  return `'${text.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;
}

/** The `complete` flags naming an option (`-s n -l dry-run`). */
function fishOptionNames(option: OptionInfo): string {
  return option.names.map((name) => (name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`)).join(' ');
}

/** How an option's value completes in fish: `-x -a '…'` for choices, `-r -F` for files, … */
function fishValue(option: OptionInfo): string {
  switch (option.value.kind) {
    case 'none':
      return '';
    case 'choices':
      return ` -x -a ${fishQuoted(option.value.choices.join(' '))}`;
    case 'file':
      return ' -r -F';
    case 'dir':
      return " -x -a '(__fish_complete_directories)'";
    case 'text':
      return ' -x';
  }
}

/** A fish completion script for the program (one `complete` line per command and option). */
export function fishScript(program: Command): string {
  const info = describeProgram(program);
  const c = `complete -c ${info.name}`;
  const atTop = "-n '__fish_use_subcommand'";
  const lines: string[] = [
    `# fish completion for ${info.name} (generated by \`${info.name} completion fish\`; see docs/completion.md)`,
    `# Install: ${info.name} completion fish > ~/.config/fish/completions/${info.name}.fish`,
    `#      or: ${info.name} completion fish | source                  # this fish session`,
    `${c} -e`,
    // Before the command: command names and global options, no file names.
    `${c} ${atTop} -f`,
  ];
  for (const command of info.commands) lines.push(`${c} ${atTop} -a ${fishQuoted(command.name)} -d ${fishQuoted(command.description)}`);
  for (const option of info.options) lines.push(`${c} ${atTop} ${fishOptionNames(option)}${fishValue(option)} -d ${fishQuoted(option.description)}`);
  for (const command of info.commands) {
    const within = `-n ${fishQuoted(`__fish_seen_subcommand_from ${command.name}`)}`;
    // Targets are file and folder names (fish's default); fixed choices replace them.
    if (command.argChoices) lines.push(`${c} ${within} -f -a ${fishQuoted(command.argChoices.join(' '))}`);
    // Names the program itself lists when TAB is pressed (task names of `run`).
    if (command.argQuery) lines.push(`${c} ${within} -f -a ${fishQuoted(`(${info.name} ${command.argQuery} 2>/dev/null)`)}`);
    for (const option of command.options) lines.push(`${c} ${within} ${fishOptionNames(option)}${fishValue(option)} -d ${fishQuoted(option.description)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Adds `completion bash|zsh|fish` to the program. */
export function addCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<SHELL>', 'the shell to complete in').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
Examples:
  $ source <(ferry completion bash)                                  # this bash session
  $ ferry completion bash > ~/.local/share/bash-completion/completions/ferry
  $ ferry completion zsh > "\${fpath[1]}/_ferry"                    # zsh (restart the shell)
  $ ferry completion fish > ~/.config/fish/completions/ferry.fish   # fish

See docs/completion.md.`,
    )
    .action((shell: 'bash' | 'zsh' | 'fish') => {
      process.stdout.write(shell === 'bash' ? bashScript(program) : shell === 'zsh' ? zshScript(program) : fishScript(program));
    });
}
