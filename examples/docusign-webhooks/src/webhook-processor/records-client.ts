// The records API as the webhook processor calls it, authenticated with the Warden API token
// of an external service account (in the x-api-key header). The token is sent, never logged.

export interface EnvelopeStatusUpdate {
  envelopeId: string;
  status: string;
  statusChangedAt: string;
  event: string;
}

export type RecordOutcome =
  | { ok: true; applied: boolean }
  /** The records API answered with an error: `status` is its HTTP status, `code` its problem code. */
  | { ok: false; status: number; code?: string }
  /** The records API could not be reached or did not answer in time. */
  | { ok: false; status: null };

export interface RecordsClientOptions {
  baseUrl: string;
  apiToken: string;
  timeoutMs: number;
}

export class RecordsClient {
  constructor(private readonly options: RecordsClientOptions) {}

  async recordEnvelopeStatus(update: EnvelopeStatusUpdate): Promise<RecordOutcome> {
    const url = new URL(`records/envelopes/${encodeURIComponent(update.envelopeId)}/status`, withTrailingSlash(this.options.baseUrl));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-key': this.options.apiToken },
        body: JSON.stringify({ status: update.status, status_changed_at: update.statusChangedAt, event: update.event }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch {
      return { ok: false, status: null };
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) return { ok: true, applied: (body as { applied?: unknown } | undefined)?.applied !== false };
    const code = (body as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? { ok: false, status: response.status, code } : { ok: false, status: response.status };
  }
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
