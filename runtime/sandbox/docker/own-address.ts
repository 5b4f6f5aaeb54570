/**
 * Where Runtime API servers listen when LAMBKIN_DOCKER_RUNTIME_API_HOST does not say: this process's own
 * address on the sandbox network. On the engine's host that is the network's gateway (the host's address on
 * the bridge), as before. When Lambkin itself runs in a container attached to that network — a compose
 * worker, scaled to any number of replicas, each with an address the engine picked — it is that
 * container's address on the network, which the gateway is not: the gateway is the host's, and nothing
 * listens there for this worker. So: the gateway when it is one of this machine's addresses, else this
 * machine's address inside the network's subnet, else the gateway (an engine elsewhere: DOCKER_HOST).
 */
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** True when `address` is inside `subnet` (IPv4 CIDR, `172.18.0.0/16`). */
export function inSubnet(address: string, subnet: string): boolean {
  const [base, bitsText] = subnet.split("/");
  const bits = Number(bitsText);
  const ip = ipv4ToNumber(address);
  const network = ipv4ToNumber(base ?? "");
  if (ip === undefined || network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32)
    return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(network / size);
}

function ownIpv4Addresses(interfaces: Interfaces): string[] {
  return Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === "IPv4" && !entry.internal)
    .map((entry) => entry.address);
}

/** The address Runtime API servers listen on and environments call, on a network of this gateway and subnet. */
export function ownAddressOn(
  network: { readonly gateway: string; readonly subnet?: string },
  interfaces: Interfaces = networkInterfaces(),
): string {
  const own = ownIpv4Addresses(interfaces);
  if (own.includes(network.gateway)) return network.gateway;
  const { subnet } = network;
  return (subnet && own.find((address) => inSubnet(address, subnet))) || network.gateway;
}
