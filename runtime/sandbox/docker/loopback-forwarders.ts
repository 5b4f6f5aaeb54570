/**
 * How a container reaches a local service that listens on the host's loopback only (Lambkin's gateway, its S3, its
 * DynamoDB Local on 127.0.0.1): inside a container 127.0.0.1 is the container itself, so each such endpoint gets a
 * TCP forwarder on the sandbox network's gateway address — where the Runtime API servers listen already, the one
 * host address a container can route to — and environments are handed that address instead
 * (ServiceEndpoints.withOrigins). The port is the service's own when it is free there, so that the address a
 * handler logs still says which service it is; any free one otherwise.
 *
 * Bytes are passed through unchanged (HTTP, TLS alike); either side closing or failing closes both.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { isLoopbackOrigin, type ServiceEndpoints } from "../service-endpoints.js";

export class LoopbackForwarders {
  private readonly forwarded = new Map<string, Promise<string>>();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private closed = false;

  /** `bindHost`: the address containers reach the host at (the network's gateway). */
  constructor(private readonly bindHost: () => string) {}

  /** The endpoints as a container reaches them: loopback origins replaced by their forwarders. */
  async containerView(endpoints: ServiceEndpoints): Promise<ServiceEndpoints> {
    const map = new Map<string, string>();
    for (const origin of endpoints.origins()) {
      if (isLoopbackOrigin(origin)) map.set(origin, await this.forward(origin));
    }
    return endpoints.withOrigins(map);
  }

  close(): void {
    this.closed = true;
    for (const server of this.servers) server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private forward(origin: string): Promise<string> {
    let forwarder = this.forwarded.get(origin);
    if (forwarder === undefined) {
      forwarder = this.listen(origin);
      // A failed listen is not remembered: the next environment tries again.
      forwarder.catch(() => this.forwarded.delete(origin));
      this.forwarded.set(origin, forwarder);
    }
    return forwarder;
  }

  private async listen(origin: string): Promise<string> {
    if (this.closed) throw new Error("Lambkin is shutting down");
    const url = new URL(origin);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const target = { host: loopbackAddress(url.hostname), port };
    const server = createServer((socket) => this.pipe(socket, target));
    const bindHost = this.bindHost();
    const bound = await listenOn(server, port, bindHost).catch(() => listenOn(server, 0, bindHost));
    this.servers.push(server);
    return `${url.protocol}//${bindHost.includes(":") ? `[${bindHost}]` : bindHost}:${bound}`;
  }

  private pipe(socket: Socket, target: { host: string; port: number }): void {
    const upstream = connect(target);
    for (const end of [socket, upstream]) {
      this.sockets.add(end);
      end.once("close", () => this.sockets.delete(end));
      end.on("error", () => {
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.once("close", () => upstream.destroy());
    upstream.once("close", () => socket.destroy());
    socket.pipe(upstream);
    upstream.pipe(socket);
  }
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** `localhost` may resolve to ::1 first; the services Lambkin starts listen on IPv4 loopback. */
function loopbackAddress(hostname: string): string {
  if (hostname === "[::1]") return "::1";
  if (hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "0.0.0.0")
    return "127.0.0.1";
  return hostname;
}
