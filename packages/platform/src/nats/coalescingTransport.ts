import { NatsConnectionImpl, setTransportFactory } from '@nats-io/nats-core/internal';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
// Not re-exported by the package's entry point; the class `connect()` itself instantiates.
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';

/**
 * nats.js writes what a callback published once its microtasks ran: one socket write per incoming
 * HTTP request in the gateway, per reply in a service. On this kind of VM a write costs 50–150 µs
 * of CPU whatever its size (measured: 18% of the gateway's CPU on POST /files/uploads was NATS
 * writes). This transport corks the socket at the first frame of an event-loop turn and uncorks it
 * on `setImmediate`, after every I/O callback of that turn ran: the frames of all requests that
 * arrived together leave in one write. Nothing waits longer than the current turn.
 */
export class CoalescingTransport extends NodeTransport {
  private corked = false;

  override send(frame: Uint8Array): void {
    const socket = this.socket;
    if (socket && !this.corked && !socket.destroyed) {
      this.corked = true;
      socket.cork();
      setImmediate(() => {
        this.corked = false;
        socket.uncork(); // end() and destroy() flush or drop a corked socket on their own
      });
    }
    super.send(frame);
  }
}

/**
 * `connect()` of @nats-io/transport-node with the CoalescingTransport. The transport factory is
 * global to nats-core; a plain `connect()` elsewhere in the process resets it for the connections
 * it dials (they then write as before).
 */
export function connectCoalescing(options: ConnectionOptions): Promise<NatsConnection> {
  setTransportFactory({ factory: () => new CoalescingTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(options);
}
