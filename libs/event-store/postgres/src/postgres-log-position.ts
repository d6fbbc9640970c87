// A log position is (transaction id, global position), each zero-padded to 20 digits,
// so that comparing the strings compares the pairs, as readers order the log.
import { LogPosition } from '@warden/event-store';

const DIGITS = 20;
const POSITION = /^(\d{20}):(\d{20})$/;

export interface PostgresLogPosition {
  /** xid8, as decimal text. */
  transactionId: string;
  /** The events table's bigserial, as decimal text. */
  globalPosition: string;
}

export const LOG_START: PostgresLogPosition = { transactionId: '0', globalPosition: '0' };

export function formatLogPosition({ transactionId, globalPosition }: PostgresLogPosition): LogPosition {
  if (!/^\d{1,20}$/.test(transactionId) || !/^\d{1,20}$/.test(globalPosition)) {
    throw new RangeError(`invalid log position parts ${transactionId}, ${globalPosition}`);
  }
  return `${transactionId.padStart(DIGITS, '0')}:${globalPosition.padStart(DIGITS, '0')}`;
}

export function parseLogPosition(position: LogPosition): PostgresLogPosition {
  const match = POSITION.exec(position);
  if (!match) throw new RangeError(`not a PostgreSQL event store position: ${position}`);
  return { transactionId: BigInt(match[1]!).toString(), globalPosition: BigInt(match[2]!).toString() };
}
