/**
 * What every handler receives besides the request: the database, the configuration, the clock, and — for
 * secured operations — the authenticated client.
 */
import type { AnyHandlerResponse, OperationCall } from '../contract/invoke.js';
import type { OperationSpec } from '../contract/operations.js';
import type { Db } from './store/db.js';

export type LegalBasis = 'consent' | 'contract' | 'legal_obligation' | 'vital_interest' | 'public_interest' | 'public_task' | 'legitimate_interest';

/** The client a valid access token belongs to, as it is in the database now (not as the token claims). */
export interface Principal {
  clientId: string;
  /** Internal row id of the client; never leaves the server. */
  clientRowId: number;
  organizationId: number;
  organizationCode: string;
  legalBasis: LegalBasis;
  /** The scopes of this token: the client's scopes, or the subset it asked for. */
  scopes: ReadonlySet<string>;
}

export interface ServerContext {
  db: Db;
  /** Absolute-path prefix of the API, e.g. `/api/v2/spp` (for Location headers and links). */
  basePath: string;
  /** The authenticated client; undefined on public operations. */
  principal: Principal | undefined;
  now: () => Date;
  /**
   * Calls another operation as the same client, through the same steps a request of its own would take
   * (scopes, validation, handler): how a `$batch` entry is served.
   */
  invoke: (op: OperationSpec, call: OperationCall) => AnyHandlerResponse | Promise<AnyHandlerResponse>;
  /** Names the client a request authenticated as, for the request log (the token endpoint calls it). */
  identify?: (clientId: string) => void;
}
