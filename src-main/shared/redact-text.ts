/**
 * Masks secrets in text shown to the user: passwords and tokens in URLs, secret query parameters,
 * values of variables whose names look secret, and long tokens of well-known formats. Masking is
 * deliberately eager: hiding a harmless value costs less than showing a token. Pure code without
 * Node imports, so the renderer can mask file text it shows, such as the diff of a fix, and the
 * engine masks findings with the same patterns.
 */

/** The text that replaces a masked secret. */
export const MASK = '***';

/** Words that mark a variable or parameter name as secret. */
const SECRET_NAME = /TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|KEY|AUTH|CREDENTIAL|PRIVATE_?KEY|APIKEY|PASS$|PWD$/i;

/**
 * Names that match SECRET_NAME but contain no secret, and that findings need to show: GOAUTH is
 * a list of commands and paths, the others are paths or socket names.
 */
const NOT_SECRET_NAMES = new Set(['GOAUTH', 'SSH_AUTH_SOCK', 'XAUTHORITY', 'PWD', 'OLDPWD', 'GPG_AGENT_INFO']);

/** Reports whether a variable's name looks secret (`GITHUB_TOKEN`, `DB_PASSWORD`). */
export function isSecretName(name: string): boolean {
  return !NOT_SECRET_NAMES.has(name.toUpperCase()) && SECRET_NAME.test(name);
}

/** `scheme://user:password@` and `scheme://token@` in URLs. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:'"]*)(?::([^\s/@'"]*))?@/gi;

/** `?token=…` and `&password=…` in URLs and option strings. */
const SECRET_PARAMETER =
  /([?&;](?:[\w.-]*)(?:token|password|passwd|secret|key|auth|sig|signature|credential)[\w.-]*=)([^&\s'"#;]+)/gi;

/** A value after an assignment: quoted, or a word up to a space or shell operator. */
const VALUE = String.raw`("[^"\n]*"|'[^'\n]*'|[^\s;&|'"]+)`;

/**
 * Assignments of a variable, each with the groups name, separator and value: `NAME=value` (also
 * after `export`, and xonsh's `$NAME = 'value'`), `NAME: value` for upper-case names, and JSON's
 * `"NAME": "value"`.
 */
const ASSIGNMENTS = [
  new RegExp(String.raw`\b([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)` + VALUE, 'g'),
  new RegExp(String.raw`\b([A-Z_][A-Z0-9_]*)(:\s*)` + VALUE, 'g'),
  new RegExp(String.raw`"([A-Za-z_][A-Za-z0-9_]*)"(\s*:\s*)` + VALUE, 'g'),
];

/** `set -gx NAME value` (fish), `setenv NAME value` (csh), `set-env NAME value` (elvish). */
const SET_COMMAND = new RegExp(
  String.raw`\b((?:set(?:\s+-[a-zA-Z]+)*|setenv|set-env)\s+)([A-Za-z_][A-Za-z0-9_]*)(\s+)` + VALUE,
  'g',
);

/** Token formats with a known prefix: GitHub, GitLab, Slack, AWS, npm, OpenAI-style keys. */
const KNOWN_TOKEN = new RegExp(
  [
    String.raw`gh[pousr]_[A-Za-z0-9]{20,}`,
    String.raw`github_pat_[A-Za-z0-9_]{20,}`,
    String.raw`glpat-[A-Za-z0-9_-]{20,}`,
    String.raw`xox[abprs]-[A-Za-z0-9-]{10,}`,
    String.raw`AKIA[0-9A-Z]{16}`,
    String.raw`npm_[A-Za-z0-9]{30,}`,
    String.raw`sk-[A-Za-z0-9_-]{20,}`,
  ]
    .map((pattern) => String.raw`\b${pattern}\b`)
    .join('|'),
  'g',
);

/** `Authorization: Bearer …` and `Basic …` credentials. */
const AUTHORIZATION = /\b(Bearer|Basic|token)\s+([A-Za-z0-9._~+/=-]{16,})/g;

/** Length from which a URL's user name counts as a token: user names are short, tokens are not. */
const TOKEN_USER_LENGTH = 20;

/** Runs of letters and digits long enough to be a generated token. */
const LONG_WORD = /[A-Za-z0-9_-]{32,}/g;

/** Bits of entropy per character above which a long word counts as a generated token. */
const TOKEN_ENTROPY_BITS = 4;

/**
 * Reports whether a long word looks generated: it mixes upper case, lower case and digits and has
 * high entropy. Hexadecimal hashes (one case only) and words of a path stay readable.
 */
function looksGenerated(word: string): boolean {
  if (!/[a-z]/.test(word) || !/[A-Z]/.test(word) || !/[0-9]/.test(word)) return false;
  const counts = new Map<string, number>();
  for (const character of word) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const share = count / word.length;
    entropy -= share * Math.log2(share);
  }
  return entropy >= TOKEN_ENTROPY_BITS;
}

function maskQuoted(value: string): string {
  const quote = value[0];
  const quoted = (quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote);
  return quoted ? `${quote}${MASK}${quote}` : MASK;
}

/** A byte written as `\xHH`, as fish stores `:` and `@` of universal variables in fish_variables. */
const HEX_ESCAPE = /\\x([0-9a-fA-F]{2})/g;

/**
 * Returns `text` with every secret it contains replaced by MASK. Text with `\xHH` escapes is also
 * checked with the escapes decoded, and shown decoded when that reveals a secret to mask.
 */
export function redactText(text: string): string {
  const masked = redactPlain(text);
  if (!text.includes('\\x')) return masked;
  const decoded = text.replace(HEX_ESCAPE, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  const decodedMasked = redactPlain(decoded);
  return decodedMasked === decoded ? masked : decodedMasked;
}

function redactPlain(text: string): string {
  let result = text.replace(URL_USERINFO, (match, scheme: string, user: string, password: string | undefined) => {
    if (password !== undefined) return `${scheme}${user}:${MASK}@`;
    // A user name alone is usually a plain name; a token used as the user name is masked.
    const tokenLike = user.length >= TOKEN_USER_LENGTH || new RegExp(KNOWN_TOKEN.source).test(user);
    return tokenLike || isSecretName(user) ? `${scheme}${MASK}@` : match;
  });
  result = result.replace(SECRET_PARAMETER, (_match, name: string) => `${name}${MASK}`);
  for (const assignment of ASSIGNMENTS) {
    result = result.replace(assignment, (match, name: string, separator: string, value: string) => {
      if (!isSecretName(name) || maskQuoted(value) === value) return match;
      const quotedName = match.startsWith('"') ? `"${name}"` : name;
      return `${quotedName}${separator}${maskQuoted(value)}`;
    });
  }
  result = result.replace(SET_COMMAND, (match, command: string, name: string, space: string, value: string) => {
    if (!isSecretName(name) || maskQuoted(value) === value) return match;
    return `${command}${name}${space}${maskQuoted(value)}`;
  });
  result = result.replace(KNOWN_TOKEN, MASK);
  result = result.replace(AUTHORIZATION, (_match, scheme: string) => `${scheme} ${MASK}`);
  result = result.replace(LONG_WORD, (word) => (looksGenerated(word) ? MASK : word));
  return result;
}

/** Returns a value for display: fully masked when its variable's name looks secret. */
export function redactValue(name: string, value: string): string {
  if (isSecretName(name) && value !== '') return MASK;
  return redactText(value);
}
