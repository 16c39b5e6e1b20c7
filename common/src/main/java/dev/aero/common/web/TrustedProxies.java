package dev.aero.common.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses of front proxies whose forwarded headers (client address, client certificate)
 * a service believes. Requests from anywhere else have those headers ignored. Entries are IPv4
 * or IPv6 addresses or CIDR ranges, e.g. {@code 10.0.0.0/8}, {@code ::1}.
 */
public final class TrustedProxies {

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = ranges;
    }

    public static TrustedProxies of(List<String> entries) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : entries == null ? List.<String>of() : entries) {
            if (!entry.isBlank()) {
                ranges.add(Range.parse(entry.strip()));
            }
        }
        return new TrustedProxies(List.copyOf(ranges));
    }

    public static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether the remote address (as a servlet container reports it) is a trusted proxy. */
    public boolean trusts(String remoteAddress) {
        if (ranges.isEmpty() || remoteAddress == null) {
            return false;
        }
        byte[] address = literal(remoteAddress);
        if (address == null) {
            return false;
        }
        for (Range range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client address of a request: the remote address, or when that is a trusted proxy, the
     * right-most address of {@code X-Forwarded-For} that is not itself a trusted proxy.
     */
    public String clientAddress(String remoteAddress, String forwardedFor) {
        if (!trusts(remoteAddress) || forwardedFor == null || forwardedFor.isBlank()) {
            return remoteAddress;
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            if (literal(hop) == null) {
                return remoteAddress;
            }
            if (!trusts(hop)) {
                return hop;
            }
        }
        return remoteAddress;
    }

    /** The address bytes of an IP literal, or null for anything else (never a DNS lookup). */
    static byte[] literal(String text) {
        String s = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (s.isEmpty() || s.length() > 45 || !s.matches("[0-9a-fA-F:.%a-zA-Z]+") || !(s.contains(".") || s.contains(":"))) {
            return null;
        }
        if (!s.contains(":") && !s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private record Range(byte[] network, int prefix) {

        static Range parse(String entry) {
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            byte[] bytes = literal(address);
            if (bytes == null) {
                throw new IllegalArgumentException("not an IP address or CIDR range: " + entry);
            }
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad prefix length in " + entry);
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("bad prefix length in " + entry);
                }
            }
            return new Range(bytes, prefix);
        }

        boolean contains(byte[] address) {
            byte[] candidate = address;
            if (candidate.length != network.length) {
                candidate = mappedIpv4(address, network.length);
                if (candidate == null) {
                    return false;
                }
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (candidate[full] & mask) == (network[full] & mask);
        }

        /** ::ffff:a.b.c.d and a.b.c.d are the same client. */
        private static byte[] mappedIpv4(byte[] address, int wanted) {
            if (address.length == 16 && wanted == 4) {
                for (int i = 0; i < 10; i++) {
                    if (address[i] != 0) {
                        return null;
                    }
                }
                if (address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
                    return null;
                }
                return new byte[] { address[12], address[13], address[14], address[15] };
            }
            if (address.length == 4 && wanted == 16) {
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(address, 0, mapped, 12, 4);
                return mapped;
            }
            return null;
        }
    }
}
