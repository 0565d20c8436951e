/**
 * The identity rules (A3, A6) shared by the user pool (stages/identity-stack.ts), the login route
 * (lambda/login.ts) and `npm run users` (cli/users-cli.ts), so every user created can log in.
 */
export const PASSWORD_POLICY = {
  minLength: 12,
  /** Cognito's own limit. */
  maxLength: 256,
} as const;

export const MAX_EMAIL_LENGTH = 128;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmail(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL.test(value);
}
