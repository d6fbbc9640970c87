// Golden events: real events as a service stored them, one file per event type and version
// of its shape (`<Type>.v<version>.json`, an array), kept for ever. Each context's spec reads
// them all through the kernel's upcasters and its deciders, and compares them with today's
// shape of each type, given by example (`Shapes`): so an event type whose shape changes
// without a new version, its upcaster and a golden file of it fails, and so does an
// upcaster that does not bring the old events to today's shape.
// `npm run golden-events` records the missing files from a running system.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { RecordedEvent } from '@warden/event-store';
import { Decider, DomainEvent, EventUpcasters, currentVersion, fold, upcast } from '@warden/kernel';

/** A key the data may leave out, with an example of its value. */
export interface Optional<Value> {
  readonly optional: Value;
}

export function optional<Value>(value: Value): Optional<Value> {
  return { optional: value };
}

type OptionalKey<Data, Key extends keyof Data> = object extends Pick<Data, Key> ? true : false;

/**
 * Today's shape of a data type, by example: every key it declares (the compiler requires
 * each one, and no other), an optional one wrapped in `optional`, nested objects alike.
 */
export type ShapeOf<Data> = Data extends readonly (infer Item)[]
  ? ShapeOf<Item>[]
  : Data extends object
    ? { [Key in keyof Data]-?: OptionalKey<Data, Key> extends true ? Optional<ShapeOf<Exclude<Data[Key], undefined>>> : ShapeOf<Data[Key]> }
    : Data;

/** Today's shape of every event type of a union. */
export type Shapes<Event extends DomainEvent> = { [Type in Event['type']]: ShapeOf<Extract<Event, { type: Type }>['data']> };

export const goldenFileName = (type: string, schemaVersion: number) => `${type}.v${schemaVersion}.json`;
const GOLDEN_FILE = /^([A-Za-z]+)\.v([1-9][0-9]*)\.json$/;

/** Every key path of a JSON value: `a`, `a.b`, and `a[].c` for the keys of objects in an array. */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((item) => keyPaths(item, `${prefix}[]`)))];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, nested]) => {
    const here = prefix === '' ? key : `${prefix}.${key}`;
    return [here, ...keyPaths(nested, here)];
  });
}

function isOptional(example: unknown): example is Optional<unknown> {
  return typeof example === 'object' && example !== null && !Array.isArray(example) && Object.keys(example).length === 1 && 'optional' in example;
}

/** Every key path today's shape declares, optional ones included. */
function examplePaths(example: unknown, prefix = ''): string[] {
  if (Array.isArray(example)) return example.length === 0 ? [] : examplePaths(example[0], `${prefix}[]`);
  if (example === null || typeof example !== 'object') return [];
  return Object.entries(example).flatMap(([key, nested]) => {
    const here = prefix === '' ? key : `${prefix}.${key}`;
    return [here, ...examplePaths(isOptional(nested) ? nested.optional : nested, here)];
  });
}

/**
 * Where `value` does not have the shape of `example`: a key it lacks or has beyond it, or a
 * value of another kind. Null is taken for any kind (an example shows one of a nullable
 * field's kinds), and an empty example array for any items.
 */
export function shapeFaults(example: unknown, value: unknown, at = 'data'): string[] {
  if (value === null || example === null) return [];
  if (Array.isArray(example)) {
    if (!Array.isArray(value)) return [`${at} is not an array`];
    return example.length === 0 ? [] : value.flatMap((item, i) => shapeFaults(example[0], item, `${at}[${i}]`));
  }
  if (typeof example === 'object') {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
    const expected = example as Record<string, unknown>;
    const actual = value as Record<string, unknown>;
    const faults = Object.keys(actual)
      .filter((key) => !Object.hasOwn(expected, key))
      .map((key) => `${at}.${key} is not in today's shape`);
    for (const [key, nested] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key)) {
        if (!isOptional(nested)) faults.push(`${at}.${key} is missing`);
        continue;
      }
      faults.push(...shapeFaults(isOptional(nested) ? nested.optional : nested, actual[key], `${at}.${key}`));
    }
    return faults;
  }
  return typeof value === typeof example ? [] : [`${at} is a ${typeof value}, not a ${typeof example}`];
}

/** The golden events of a directory, by file name. */
export function readGoldenEvents(directory: string): Map<string, RecordedEvent[]> {
  const files = readdirSync(directory).filter((name) => name.endsWith('.json'));
  return new Map(files.map((name) => [name, JSON.parse(readFileSync(path.join(directory, name), 'utf8')) as RecordedEvent[]]));
}

export interface GoldenEventsSpec<Event extends DomainEvent> {
  /** Where the context's golden files are. */
  directory: string;
  /** The context's upcasters: every event type its service stores. */
  upcasters: EventUpcasters<Event>;
  shapes: Shapes<Event>;
  /**
   * The deciders that fold these events, each with the type that creates its aggregate: a
   * golden event is folded after the newest golden event of that type.
   */
  deciders: { decider: Decider<unknown, DomainEvent, unknown>; creation: string }[];
}

const fix = (type: string, version: number) =>
  `change ${type} back, or give it version ${version + 1}: add its upcaster from version ${version}, ` +
  `and record ${goldenFileName(type, version + 1)} (npm run golden-events)`;

/** The golden events of one context, read through the kernel and folded: see the top of this file. */
export function describeGoldenEvents<Event extends DomainEvent>(context: string, spec: GoldenEventsSpec<Event>): void {
  const upcasters = spec.upcasters as EventUpcasters;
  const golden = readGoldenEvents(spec.directory);
  const types = Object.keys(upcasters).sort();
  const examples = spec.shapes as Record<string, unknown>;
  const fileOf = (type: string, version: number) => golden.get(goldenFileName(type, version)) ?? [];

  describe(`the golden events of the ${context} context`, () => {
    it('hold every event type at every version of its shape, and nothing this code does not know', () => {
      const expected = types.flatMap((type) => Array.from({ length: currentVersion(upcasters, type) }, (_, i) => goldenFileName(type, i + 1)));
      const missing = expected.filter((name) => !golden.has(name));
      const unknown = [...golden.keys()].filter((name) => !expected.includes(name));
      expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
      for (const [name, events] of golden) {
        const [, type, version] = GOLDEN_FILE.exec(name) ?? [];
        expect(events.length).toBeGreaterThan(0);
        expect(events.map((event) => [event.type, event.schemaVersion])).toEqual(events.map(() => [type, Number(version)]));
      }
    });

    it.each(types)("%s: the newest golden events have today's shape, and show every key of it", (type) => {
      const version = currentVersion(upcasters, type);
      const newest = fileOf(type, version);
      const faults = newest.flatMap((event) => shapeFaults(examples[type], event.data));
      const shown = new Set(newest.flatMap((event) => keyPaths(event.data)));
      const unshown = examplePaths(examples[type]).filter((key) => !shown.has(key));
      const advice = newest.length === 0 ? `record ${goldenFileName(type, version)} (npm run golden-events)` : fix(type, version);
      expect({ faults, unshown, fix: faults.length + unshown.length > 0 ? advice : undefined }).toEqual({
        faults: [],
        unshown: [],
        fix: undefined,
      });
    });

    it.each(types)("%s: every golden event, read through the upcasters, has today's shape", (type) => {
      const faults = Array.from({ length: currentVersion(upcasters, type) }, (_, i) => i + 1).flatMap((version) =>
        fileOf(type, version).flatMap((event) => shapeFaults(examples[type], upcast(upcasters, event).data, `v${version} data`)),
      );
      expect(faults).toEqual([]);
    });

    it.each(spec.deciders.map(({ decider, creation }) => [creation, decider, creation] as const))(
      'every golden event of the %s decider folds with it',
      (_name, decider, creation) => {
        const created = fileOf(creation, currentVersion(upcasters, creation)).map((event) => upcast(decider.upcasters, event));
        expect(created.length).toBeGreaterThan(0);
        expect(fold(decider, created.slice(0, 1))).not.toEqual(decider.initialState());
        for (const type of Object.keys(decider.upcasters)) {
          for (let version = 1; version <= currentVersion(upcasters, type); version++) {
            for (const event of fileOf(type, version)) {
              expect(() => fold(decider, [created[0]!, upcast(decider.upcasters, event)])).not.toThrow();
            }
          }
        }
      },
    );
  });
}
