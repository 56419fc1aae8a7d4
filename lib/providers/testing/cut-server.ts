// A raw TCP "model server" for tests that need byte-level control over how a response ends:
// node:http always frames its bodies properly, so a body cut in its first packet, a chunked
// body without its last chunk, or a Content-Length longer than the body need a plain socket.
import { createServer, type Socket } from "node:net";

export interface CutServer {
  /** Base URL, `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  /** Requests received so far (a retry would show up here). */
  requests(): number;
  close(): Promise<void>;
}

/** How to answer a request, given the socket once the request (headers and body) has been read. */
export type Answer = (socket: Socket) => void;

export async function startCutServer(answer: () => Answer): Promise<CutServer> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // the client sees the cut; the server does not care
    let seen = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      seen = Buffer.concat([seen, data]);
      const end = seen.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(seen.subarray(0, end).toString("latin1"))?.[1] ?? 0);
      if (seen.length - end - 4 < length) return;
      socket.off("data", onData);
      requests++;
      answer()(socket);
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type Framing = "close-delimited" | "chunked" | "content-length";
export type Cut = "fin" | "rst";

/**
 * 200 text/event-stream with `packets` and then a cut: the body is close-delimited, a chunked body
 * whose terminating chunk never comes, or shorter than its Content-Length. The headers share the
 * first packet unless `headersAlone`; packets go out 20 ms apart, the cut right after the last.
 */
export function cutStream(packets: string[], { framing, cut, headersAlone = false }: { framing: Framing; cut: Cut; headersAlone?: boolean }): Answer {
  const length = packets.reduce((sum, packet) => sum + Buffer.byteLength(packet), 0);
  const head = [
    "HTTP/1.1 200 OK",
    "content-type: text/event-stream; charset=utf-8",
    ...(framing === "chunked" ? ["transfer-encoding: chunked"] : []),
    ...(framing === "content-length" ? [`content-length: ${length + 1000}`] : []),
    "",
    "",
  ].join("\r\n");
  const frame = (packet: string) => (framing === "chunked" ? `${Buffer.byteLength(packet).toString(16)}\r\n${packet}\r\n` : packet);
  const wire = packets.map(frame);
  if (headersAlone) wire.unshift(head);
  else wire[0] = head + (wire[0] ?? "");
  return (socket) => {
    const send = (index: number) => {
      if (index < wire.length - 1) socket.write(wire[index]!, () => setTimeout(() => send(index + 1), 20));
      else socket.write(wire[index]!, () => (cut === "rst" ? socket.resetAndDestroy() : socket.end()));
    };
    send(0);
  };
}
