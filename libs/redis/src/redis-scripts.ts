import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RedisClient } from './redis-client';

// Lua scripts as files beside the code that calls them, loaded once per process and defined
// on each client through ioredis' defineCommand (sent as EVALSHA, and as EVAL once when a
// node does not hold the script yet), as Bull and BullMQ do.
//
// A file is named for its command and the number of keys it takes, `verify-credential-4.lua`:
// the command `wardenVerifyCredential`, called with its 4 keys first, then its arguments. A
// file without a count (`apply-projection-event.lua`) takes the number of keys as its first
// argument. Every key a script touches comes in KEYS, never built inside it: Redis Cluster
// runs a script only on declared keys of one slot.
//
// A line `--- @include "other.lua"` is replaced by that file (a path relative to the script),
// so a helper function is written once for the scripts that share it.
//
// The commands' types are declared where each script's caller lives, by augmenting ioredis'
// RedisCommander, which Redis, Cluster and pipelines share:
//   declare module 'ioredis' {
//     interface RedisCommander<Context> { wardenVerifyCredential(...): Result<Reply, Context> }
//   }

export interface RedisScript {
  /** The command defined on a client: `warden` and the file's name in camel case. */
  readonly name: string;
  /** Undefined: the caller passes the number of keys first. */
  readonly numberOfKeys: number | undefined;
  readonly lua: string;
  /** The file, for messages. */
  readonly file: string;
}

const FILE_NAME = /^([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*?)(?:-(\d+))?\.lua$/;
const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;

/** The command a script file defines and how many keys it takes, from its name alone. */
export function scriptCommandOf(fileName: string): { name: string; numberOfKeys: number | undefined } {
  const match = FILE_NAME.exec(fileName);
  if (!match) throw new Error(`a Redis script is named <command>[-<number of keys>].lua in kebab case, not ${JSON.stringify(fileName)}`);
  const words = match[1]!.split('-');
  const name = `warden${words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')}`;
  return { name, numberOfKeys: match[2] === undefined ? undefined : Number(match[2]) };
}

/** Reads a script file (its includes resolved); call it once, at module load. */
export function loadRedisScript(directory: string, fileName: string): RedisScript {
  const file = path.join(directory, fileName);
  return { ...scriptCommandOf(fileName), lua: withIncludes(file, new Set()), file };
}

function withIncludes(file: string, including: Set<string>): string {
  if (including.has(file)) throw new Error(`Redis script ${file} includes itself`);
  const text = readFileSync(file, 'utf8');
  const nested = new Set(including).add(file);
  return text.replace(INCLUDE, (_line, included: string) => withIncludes(path.resolve(path.dirname(file), included), nested).trimEnd());
}

/**
 * Defines the scripts on a client, once (a command the client already has is left as it
 * is). Do it when the client is set up: with auto-pipelining, a command defined while a
 * pipeline is collecting commands is missing from that pipeline and misaligns its replies
 * (ioredis #1931).
 */
export function defineRedisScripts(client: RedisClient, scripts: readonly RedisScript[]): void {
  for (const script of scripts) {
    if (script.name in client) continue;
    client.defineCommand(script.name, script.numberOfKeys === undefined ? { lua: script.lua } : { numberOfKeys: script.numberOfKeys, lua: script.lua });
    // A cluster client's auto-pipelining puts a command in the pipeline of its first argument's
    // node: for a script called with its key count first, the node of the count, where its keys
    // need not be. Mixed with another command there, the whole pipeline fails ("All keys in the
    // pipeline should belong to the same slots allocation group"). Such a script is sent alone.
    if (script.numberOfKeys === undefined && client.isCluster) {
      client.options.autoPipeliningIgnoredCommands = [...(client.options.autoPipeliningIgnoredCommands ?? []), script.name];
    }
  }
}
