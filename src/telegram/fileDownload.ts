// Downloads a file a person sent, by its file id: getFile, then `<BOT_API_ROOT>/file/bot<token>/<file_path>` (the
// local Bot API in tests and the sandbox serves the same path). Used by the photo job (services/photoService.ts).
// Errors keep what the service needs to tell a permanent failure from a passing one: a GrammyError's error_code
// 400 ("file is too big", "wrong file_id"), or `permanent: true` on the ones thrown here.
import type { Api } from "grammy";

/** Telegram lets bots download files up to 20 MB. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

export class FileUnavailableError extends Error {
  readonly permanent = true;
}

export interface FileDownloaderDeps {
  api: Pick<Api, "getFile">;
  token: string;
  apiRoot: string;
  fetch?: typeof fetch;
}

export function createFileDownloader(deps: FileDownloaderDeps): (fileId: string) => Promise<Uint8Array> {
  const doFetch = deps.fetch ?? fetch;
  const root = deps.apiRoot.replace(/\/+$/, "");
  return async (fileId) => {
    const file = await deps.api.getFile(fileId);
    if (!file.file_path) throw new FileUnavailableError("getFile gave no file_path");
    if (file.file_size !== undefined && file.file_size > MAX_DOWNLOAD_BYTES) throw new FileUnavailableError("file is too big");
    const response = await doFetch(`${root}/file/bot${deps.token}/${file.file_path}`, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    // A file_path is valid for an hour: a 404 may be an expired path, so it is retried (with a new getFile).
    if (!response.ok) throw new Error(`file download failed: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength === 0) throw new Error("file download was empty");
    return bytes;
  };
}
