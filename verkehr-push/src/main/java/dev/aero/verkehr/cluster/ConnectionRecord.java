package dev.aero.verkehr.cluster;

/**
 * A connection as the cluster knows it, stored as {@code key|address|since|scheme} under its id.
 *
 * @param id the SSMP id
 * @param key {@code node/serial}, unique in the cluster
 * @param address the client's address
 * @param since login time (ms since the epoch)
 * @param scheme the login scheme
 */
public record ConnectionRecord(String id, String key, String address, long since, String scheme) {

    public String node() {
        int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(0, slash);
    }

    String value() {
        return key + '|' + address + '|' + since + '|' + scheme;
    }

    static ConnectionRecord parse(String id, String value) {
        String[] parts = value.split("\\|", -1);
        if (parts.length != 4) {
            return null;
        }
        try {
            return new ConnectionRecord(id, parts[0], parts[1], Long.parseLong(parts[2]), parts[3]);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
