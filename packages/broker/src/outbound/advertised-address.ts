import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

// The address a broker advertises (REGISTER_BROKER brokerAddr, STOREHOST of every record,
// offset msgIds). Order of choice:
//   1. brokerIP1 from broker.conf, when set;
//   1b. the listen address, when bound to one IPv4 address rather than every interface;
//   2. 127.0.0.1 when every NameServer is on loopback (a single-host setup: clients that
//      reach that NameServer are on this host, and the loopback address keeps working
//      when the machine's external address changes);
//   3. the first non-internal IPv4 address (Java's default), else 127.0.0.1.
// IPv4 only: ali-ons and the Go client read 4-byte hosts in stored records.

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);

function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i > 0 ? addr.slice(0, i) : addr;
}

export function chooseAdvertisedIp(
  brokerIP1: string,
  namesrvAddrs: string[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  listenHost = '0.0.0.0',
): string {
  if (brokerIP1.trim() !== '') return brokerIP1.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(listenHost) && listenHost !== '0.0.0.0') return listenHost;
  if (namesrvAddrs.length > 0 && namesrvAddrs.every((a) => isLoopbackHost(hostOf(a)))) return '127.0.0.1';
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (i.family === 'IPv4' && !i.internal) return i.address;
    }
  }
  return '127.0.0.1';
}
