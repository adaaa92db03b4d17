import { type Result, err, ok } from "./result";

/** Cursor-based pagination over any async source of pages. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type PageFetcher<T> = (cursor: string | null, signal?: AbortSignal) => Promise<Page<T>>;

export interface PaginateOptions {
  maxPages?: number;
  signal?: AbortSignal;
}

export async function* paginate<T>(
  fetchPage: PageFetcher<T>,
  { maxPages = Number.POSITIVE_INFINITY, signal }: PaginateOptions = {},
): AsyncGenerator<T, void, undefined> {
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    signal?.throwIfAborted();
    const { items, nextCursor } = await fetchPage(cursor, signal);
    yield* items;
    if (nextCursor === null) return;
    cursor = nextCursor;
  }
}

export async function collect<T>(source: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

interface Repo {
  id: number;
  fullName: string;
  stars: number;
  language: string | null;
}

/** A fetcher for a JSON API that returns `{ data, next }`; errors become a Result. */
export function jsonFetcher(baseUrl: string, token?: string): PageFetcher<Repo> {
  return async (cursor, signal) => {
    const url = new URL(baseUrl);
    if (cursor) url.searchParams.set("cursor", cursor);
    const response = await fetch(url, {
      signal,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    if (!response.ok) {
      throw new Error(`GET ${url.pathname} → HTTP ${response.status} ${response.statusText}`);
    }
    const body = (await response.json()) as { data: Repo[]; next?: string | null };
    return { items: body.data, nextCursor: body.next ?? null };
  };
}

export async function topLanguages(
  fetchPage: PageFetcher<Repo>,
  top = 5,
): Promise<Result<Array<[string, number]>, string>> {
  try {
    const counts = new Map<string, number>();
    for await (const repo of paginate(fetchPage, { maxPages: 20 })) {
      const lang = repo.language ?? "unknown";
      counts.set(lang, (counts.get(lang) ?? 0) + repo.stars);
    }
    const ranked = [...counts.entries()].sort(([, a], [, b]) => b - a).slice(0, top);
    return ok(ranked);
  } catch (e) {
    return err(e instanceof Error ? e.message : "unexpected failure");
  }
}
