/** A reader of `text/event-stream` responses for the `/cluster/events` tests. */
export interface Frame {
  raw: string;
  event?: string;
  data?: any;
  retry?: number;
}

export interface EventStream {
  response: Response;
  /** The next frame, or undefined once the server ended the stream. Rejects at the deadline. */
  next(deadlineMs?: number): Promise<Frame | undefined>;
  /** Frames up to and including the first `event: <type>`. */
  until(type: string, deadlineMs?: number): Promise<Frame[]>;
  close(): void;
}

/** One frame; any line other than `event:`, `data:` (one-line JSON) or `retry:` is an error. */
export function parseFrame(raw: string): Frame {
  const f: Frame = { raw };
  for (const line of raw.split('\n')) {
    const colon = line.indexOf(': ');
    const [field, v] = [line.slice(0, colon), line.slice(colon + 2)];
    if (field === 'event') f.event = v;
    else if (field === 'data') f.data = JSON.parse(v);
    else if (field === 'retry') f.retry = Number(v);
    else throw new Error(`unexpected SSE line ${JSON.stringify(line)}`);
  }
  return f;
}

export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  const next = async (deadlineMs = 3000): Promise<Frame | undefined> => {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const raw = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return parseFrame(raw);
      }
      if (ended) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no SSE frame before the deadline')), Math.max(0, deadline - Date.now()));
      });
      try {
        const chunk = await Promise.race([reader.read(), timeout]);
        if (chunk.done) ended = true;
        else buffer += decoder.decode(chunk.value, { stream: true });
      } finally {
        clearTimeout(timer);
      }
    }
  };
  const until = async (type: string, deadlineMs = 3000): Promise<Frame[]> => {
    const seen: Frame[] = [];
    for (;;) {
      const f = await next(deadlineMs);
      if (!f) throw new Error(`stream ended before event ${type}`);
      seen.push(f);
      if (f.event === type) return seen;
    }
  };
  return { response, next, until, close: () => abort.abort() };
}
