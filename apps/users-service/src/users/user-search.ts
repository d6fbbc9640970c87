import { LISTED_NAME } from './user-sort';

// The members list's search box: a part of the name shown, the username or the
// email, in any case. The text is matched literally (LIKE's own characters escaped).

/** The condition for the listing's WHERE, on the pattern given as parameter `$n`. */
export function searchCondition(parameter: number): string {
  const like = `LIKE $${parameter} ESCAPE '\\'`;
  return `(${LISTED_NAME} ${like} OR lower(username) ${like} OR lower(coalesce(email, '')) ${like})`;
}

/** The LIKE pattern for what was typed. */
export function searchPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
