/**
 * A domain refusal: expected, explained to the user in their language, never logged as a bug.
 * Throwing one inside a command or card action rolls back its transaction.
 */
export class Refusal extends Error {
  override name = 'Refusal';
  constructor(
    readonly code: string,
    readonly text: string,
  ) {
    super(text);
  }
}

export const refuse = (code: string, text: string): never => {
  throw new Refusal(code, text);
};
