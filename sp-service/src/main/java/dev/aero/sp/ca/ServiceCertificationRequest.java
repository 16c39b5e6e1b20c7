package dev.aero.sp.ca;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.IPAddress;

import dev.aero.common.web.ApiProblemException;

/**
 * A platform service's request for a certificate, checked before anything is signed: a CSR as
 * every CSR must be ({@link CertificationRequests}; its subject is ignored, the certificate names
 * the authenticated service), 1-16 DNS host names and 0-16 literal IP addresses. Names are
 * lower-cased and addresses written canonically; duplicates are dropped.
 */
public record ServiceCertificationRequest(PublicKey publicKey, List<String> dnsNames, List<InetAddress> ipAddresses) {

    static final int MAX_NAMES = 16;
    private static final int MAX_DNS_NAME_LENGTH = 253;
    /** Letters, digits and hyphens, 1-63 long, no hyphen at either end (RFC 1123). */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern ALL_DIGITS = Pattern.compile("[0-9]+");
    /** Four decimal octets 0-255 without leading zeros (which some parsers read as octal). */
    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
            + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    /** Longer than any IPv6 literal (45 with an embedded IPv4 address). */
    private static final int MAX_ADDRESS_LENGTH = 45;

    public static ServiceCertificationRequest parse(String csr, List<String> dnsNames, List<String> ipAddresses) {
        List<String> names = dnsNames(dnsNames);
        List<InetAddress> addresses = ipAddresses(ipAddresses == null ? List.of() : ipAddresses);
        PKCS10CertificationRequest request = CertificationRequests.read(csr);
        PublicKey key = CertificationRequests.acceptableKey(request);
        CertificationRequests.requireValidSignature(request);
        return new ServiceCertificationRequest(key, names, addresses);
    }

    private static List<String> dnsNames(List<String> given) {
        if (given == null || given.isEmpty() || given.size() > MAX_NAMES) {
            throw dnsNameInvalid("dns_names must list 1 to " + MAX_NAMES + " DNS host names.");
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < given.size(); i++) {
            names.add(dnsName(given.get(i), "dns_names[" + i + "]"));
        }
        return List.copyOf(names);
    }

    private static String dnsName(String given, String field) {
        if (given == null || given.isEmpty()) {
            throw dnsNameInvalid(field + " is empty.");
        }
        if (given.length() > MAX_DNS_NAME_LENGTH) {
            throw dnsNameInvalid(field + " is longer than " + MAX_DNS_NAME_LENGTH + " characters.");
        }
        if (given.contains("*")) {
            throw dnsNameInvalid(field + " is a wildcard name; only exact host names are certified.");
        }
        String name = given.toLowerCase(Locale.ROOT);
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw dnsNameInvalid(field + " is not a DNS host name: it must be dot-separated labels of 1-63 letters,"
                        + " digits and hyphens, no hyphen at either end of a label.");
            }
        }
        if (ALL_DIGITS.matcher(labels[labels.length - 1]).matches()) {
            throw dnsNameInvalid(field + " looks like an IP address; list addresses in ip_addresses.");
        }
        return name;
    }

    private static List<InetAddress> ipAddresses(List<String> given) {
        if (given.size() > MAX_NAMES) {
            throw ipAddressInvalid("ip_addresses may list at most " + MAX_NAMES + " addresses.");
        }
        Set<InetAddress> addresses = new LinkedHashSet<>();
        for (int i = 0; i < given.size(); i++) {
            addresses.add(ipAddress(given.get(i), "ip_addresses[" + i + "]"));
        }
        return List.copyOf(addresses);
    }

    /** Parses a literal only: nothing here may cause a DNS lookup. */
    private static InetAddress ipAddress(String given, String field) {
        ApiProblemException invalid = ipAddressInvalid(field + " is not a literal IPv4 or IPv6 address"
                + " (e.g. 127.0.0.1 or ::1; no brackets, prefix or zone).");
        if (given == null || given.length() > MAX_ADDRESS_LENGTH) {
            throw invalid;
        }
        try {
            if (IPV4.matcher(given).matches()) {
                String[] octets = given.split("\\.");
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    bytes[i] = (byte) Integer.parseInt(octets[i]);
                }
                return InetAddress.getByAddress(bytes);
            }
            if (given.indexOf(':') >= 0 && IPAddress.isValidIPv6(given)) {
                return InetAddress.getByName(given); // an IPv6 literal: parsed, never looked up
            }
        } catch (UnknownHostException e) {
            // refused below
        }
        throw invalid;
    }

    private static ApiProblemException dnsNameInvalid(String detail) {
        return CertificationRequests.refusal("dns-name-invalid", detail);
    }

    private static ApiProblemException ipAddressInvalid(String detail) {
        return CertificationRequests.refusal("ip-address-invalid", detail);
    }
}
