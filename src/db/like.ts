/** A LIKE pattern for "contains": escapes `%`, `_` and `\` so user text matches literally inside LIKE. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
