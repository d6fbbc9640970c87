import { Argument, Command } from 'commander';
import type { ContextOf } from './login.command';

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
type Shell = (typeof COMPLETION_SHELLS)[number];

interface CommandPath {
  path: string;
  command: Command;
}

function pathsOf(command: Command, prefix = ''): CommandPath[] {
  return command.commands.flatMap((child) => {
    const path = prefix ? `${prefix} ${child.name()}` : child.name();
    return [{ path, command: child }, ...pathsOf(child, path)];
  });
}

const flagsOf = (command: Command) =>
  command.options.flatMap((option) =>
    [option.long, option.short].filter((flag): flag is string => Boolean(flag)),
  );
const quote = (words: readonly string[]) => words.join(' ').replace(/'/g, '');

/**
 * A completion script generated from the program's own commands, options and choices, so it
 * never lists a command that is gone. zsh runs the bash function through bashcompinit.
 */
export function completionScript(program: Command, shell: Shell): string {
  const paths = pathsOf(program);
  const all = [{ path: '', command: program }, ...paths];
  const takesValue = [
    ...new Set(
      all.flatMap(({ command }) =>
        command.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short]),
      ),
    ),
  ].filter((flag): flag is string => Boolean(flag));
  const wordsCases = all.map(({ path, command }) => {
    const choices = command.registeredArguments.flatMap((argument: Argument) => argument.argChoices ?? []);
    const words = [
      ...command.commands.map((child) => child.name()),
      ...choices,
      ...flagsOf(command),
      '--help',
    ];
    return `    '${path}') words='${quote(words)}' ;;`;
  });
  const valueCases = all.flatMap(({ path, command }) =>
    command.options
      .filter((option) => option.argChoices && option.long)
      .map(
        (option) =>
          `    '${path}|${option.long}'${option.short ? `|'${path}|${option.short}'` : ''}) COMPREPLY=($(compgen -W '${quote(option.argChoices!)}' -- "$cur")); return ;;`,
      ),
  );
  const bash = `_warden() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path='' next word words i
  local paths='|${paths.map(({ path }) => path).join('|')}|'
  # the subcommands typed so far; option values and arguments are skipped
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case $word in
      ${takesValue.join('|')}) ((i++)) ;;
      -*) ;;
      *) next=\${path:+$path }$word; [[ $paths == *"|$next|"* ]] && path=$next ;;
    esac
  done
  case "$path|$prev" in
${valueCases.join('\n')}
  esac
  case "$prev" in
    ${takesValue.join('|')}) COMPREPLY=(); return ;;
  esac
  case "$path" in
${wordsCases.join('\n')}
    *) words='' ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _warden warden
`;
  if (shell === 'bash')
    return `# warden's completion for bash: source <(warden completion bash), e.g. in ~/.bashrc\n${bash}`;
  return `#compdef warden
# warden's completion for zsh: source <(warden completion zsh), e.g. in ~/.zshrc (after compinit)
autoload -U +X bashcompinit && bashcompinit
${bash}`;
}

export function registerCompletionCommand(program: Command, contextOf: ContextOf): void {
  program
    .command('completion')
    .description('print the shell completion script: source <(warden completion bash), or zsh')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action((shell: Shell, _options: unknown, command: Command) => {
      contextOf(command).io.stdout.write(completionScript(program, shell));
    });
}
