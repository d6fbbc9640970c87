import { createInterface } from 'node:readline';
import { CliError } from './cli-error';
import type { CliIo } from './command-context';
import { ExitCode } from './exit-codes';

/** All of stdin, without the final line break: `--password-stdin`. */
export async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function askLine(io: CliIo, question: string): Promise<string> {
  const reader = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  return new Promise((resolve) =>
    reader.question(question, (answer) => {
      reader.close();
      resolve(answer.trim());
    }),
  );
}

/** Reads a line from the terminal without echoing it. */
export function askHidden(io: CliIo, question: string): Promise<string> {
  const { stdin, stderr } = io;
  if (!stdin.isTTY || !stdin.setRawMode) throw new CliError('no terminal to ask the password on: use --password-stdin', ExitCode.Usage);
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = () => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
    };
    const onData = (chunk: string | Buffer) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          finish();
          reject(new CliError('interrupted', ExitCode.Usage));
          return;
        }
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.on('data', onData);
  });
}
