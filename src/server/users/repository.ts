/**
 * The people who sign in on the authorization page. Passwords are chosen by people, so unlike client secrets
 * (256 random bits, where a fast hash is enough) they are stored with scrypt: a copy of the database must not
 * make them cheap to guess. Functions take the database explicitly: the demo loader and the server share them.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';

export interface User {
  id: number;
  username: string;
  name: string;
  active: boolean;
}

export class UserAdminError extends Error {}

/** scrypt cost N = 2^15: tens of milliseconds, paid once per sign-in and never per API request. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, KEY_LENGTH, SCRYPT);
  return `scrypt:${SCRYPT.N}:${SCRYPT.r}:${SCRYPT.p}:${salt.toString('base64url')}:${key.toString('base64url')}`;
}

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (e, key) => (e ? reject(e) : resolve(key))));
}

/**
 * Constant-time check of a password against a stored hash (a hash in any other format never matches). Runs on
 * the thread pool: a sign-in must not stall the API's other requests for the tens of milliseconds scrypt takes.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(expected, actual);
}

/** A hash no password matches, made once: an unknown username costs the same work as a known one. */
let decoy: string | undefined;

interface Row {
  id: number;
  username: string;
  name: string;
  password_hash: string;
  active: number;
}

const toUser = (r: Row): User => ({ id: r.id, username: r.username, name: r.name, active: r.active === 1 });

export function createUser(db: Db, input: { username: string; name: string; password: string }, now = new Date()): User {
  if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(input.username))
    throw new UserAdminError(`username '${input.username}' must be 2 to 64 lower-case letters, digits, dots, dashes or underscores`);
  if (input.password.length < 12) throw new UserAdminError('a password needs at least 12 characters');
  if (!input.name.trim()) throw new UserAdminError('a user needs a name');
  try {
    const id = db
      .prepare('INSERT INTO users (username, name, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(input.username, input.name.trim(), hashPassword(input.password), now.toISOString()).lastInsertRowid;
    return findUserById(db, Number(id))!;
  } catch (e) {
    if (String(e).includes('UNIQUE')) throw new UserAdminError(`a user named ${input.username} already exists`);
    throw e;
  }
}

export function findUserById(db: Db, id: number): User | undefined {
  const row = stmt(db, 'SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
  return row ? toUser(row) : undefined;
}

export function countUsers(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

/** The active user with this username and password; undefined otherwise (the same work either way). */
export async function authenticateUser(db: Db, username: string, password: string): Promise<User | undefined> {
  const row = stmt(db, 'SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
  const ok = await verifyPassword(password, row?.password_hash ?? (decoy ??= hashPassword(randomBytes(16).toString('hex'))));
  return row && ok && row.active === 1 ? toUser(row) : undefined;
}
