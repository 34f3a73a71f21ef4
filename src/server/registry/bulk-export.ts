/**
 * `POST /$bulk/export`: many Individuals or Groups read by identifier in one request, one item per identifier in
 * request order. Each item is a read like `GET /{Type}/{identifier}` (service.ts readRecordAs): the same consent
 * rule — for a consent-bound client an unknown identifier and a record without valid consent give the same
 * `access_denied`, after the same statements — the same narrowing by `_elements`, `_extensions` and a `basic`
 * consent, and an access-log entry for each record returned (operation `export`). One item failing does not fail
 * the others.
 */
import { ApiError, type ErrorCode } from '../../contract/errors.js';
import type { Db } from '../store/db.js';
import type { Shape } from './elements.js';
import { readRecordAs } from './service.js';
import type { Access, ResourceOf } from './types.js';

export type ExportType = 'Individual' | 'Group';
export type ExportStatus = 'success' | 'not_found' | 'access_denied' | 'error';

export interface ExportItem<T extends ExportType> {
  identifier: string;
  status: ExportStatus;
  resource?: ResourceOf[T];
  error?: string;
}

export interface BulkExportResult<T extends ExportType> {
  total: number;
  successful: number;
  failed: number;
  items: Array<ExportItem<T>>;
}

/** How a refused read shows in an item: the deployed module's statuses and words. */
function failureOf(type: ExportType, code: ErrorCode): Pick<ExportItem<ExportType>, 'status' | 'error'> | undefined {
  switch (code) {
    case 'INVALID_IDENTIFIER':
      return { status: 'error', error: 'Invalid identifier format. Expected: {system}|{value}' };
    case 'RESOURCE_NOT_FOUND':
      return { status: 'not_found', error: `${type} not found` };
    case 'CONSENT_REQUIRED':
      return { status: 'access_denied', error: 'Access denied' };
    default:
      return undefined;
  }
}

function exportItem<T extends ExportType>(db: Db, access: Access, type: T, identifier: string, shape: Shape): ExportItem<T> {
  try {
    return { identifier, status: 'success', resource: readRecordAs(db, access, type, identifier, shape, 'export').resource };
  } catch (e) {
    // Only the refusals a read of one record gives become items; anything else is a fault of the whole request.
    const failure = e instanceof ApiError ? failureOf(type, e.code) : undefined;
    if (!failure) throw e;
    return { identifier, ...failure };
  }
}

/** Reads each identifier as `type`; the counts say how many items succeeded and failed. */
export function bulkExport<T extends ExportType>(db: Db, access: Access, type: T, identifiers: readonly string[], shape: Shape = {}): BulkExportResult<T> {
  const items = identifiers.map((identifier) => exportItem(db, access, type, identifier, shape));
  const successful = items.filter((i) => i.status === 'success').length;
  return { total: items.length, successful, failed: items.length - successful, items };
}
