/** Reads a raw streamed body (fetch) until `done(text)` holds, then cancels it. */
import { withTimeout } from "./wait.js";

export async function readUntil(res: Response, done: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    await withTimeout(
      (async () => {
        while (!done(text)) {
          const { value, done: ended } = await reader.read();
          if (ended) throw new Error(`stream ended early after: ${text}`);
          text += decoder.decode(value, { stream: true });
        }
      })(),
      "stream text",
    );
  } finally {
    await reader.cancel();
  }
  return text;
}
