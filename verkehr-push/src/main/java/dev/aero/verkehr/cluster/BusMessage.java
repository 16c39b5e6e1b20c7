package dev.aero.verkehr.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What nodes tell each other over Redis pub/sub. Every message names its origin node, so that a
 * node ignores its own broadcasts. Event lines travel already encoded, so a receiving node
 * writes them to its connections as they are.
 *
 * <pre>
 * type(1) origin(UTF) then, by type:
 *   HELLO, BYE    -
 *   MCAST         topic(UTF) line(bytes)
 *   PRESENCE      topic(UTF) id(UTF) key(UTF) subscribed(bool)
 *   UCAST         to(UTF) line(bytes)
 *   BCAST         ids(count, UTF...) line(bytes)
 *   KICK          id(UTF) key(UTF)
 * </pre>
 */
public sealed interface BusMessage {

    String origin();

    record Hello(String origin) implements BusMessage { }

    record Bye(String origin) implements BusMessage { }

    record Mcast(String origin, String topic, byte[] line) implements BusMessage { }

    record Presence(String origin, String topic, String id, String key, boolean subscribed) implements BusMessage { }

    record Ucast(String origin, String to, byte[] line) implements BusMessage { }

    record Bcast(String origin, List<String> ids, byte[] line) implements BusMessage { }

    record Kick(String origin, String id, String key) implements BusMessage { }

    static byte[] encode(BusMessage m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            switch (m) {
                case Hello h -> head(out, 1, h.origin());
                case Bye b -> head(out, 2, b.origin());
                case Mcast mc -> {
                    head(out, 3, mc.origin());
                    out.writeUTF(mc.topic());
                    bytes(out, mc.line());
                }
                case Presence p -> {
                    head(out, 4, p.origin());
                    out.writeUTF(p.topic());
                    out.writeUTF(p.id());
                    out.writeUTF(p.key());
                    out.writeBoolean(p.subscribed());
                }
                case Ucast u -> {
                    head(out, 5, u.origin());
                    out.writeUTF(u.to());
                    bytes(out, u.line());
                }
                case Bcast b -> {
                    head(out, 6, b.origin());
                    out.writeInt(b.ids().size());
                    for (String id : b.ids()) {
                        out.writeUTF(id);
                    }
                    bytes(out, b.line());
                }
                case Kick k -> {
                    head(out, 7, k.origin());
                    out.writeUTF(k.id());
                    out.writeUTF(k.key());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes a message; null for anything malformed or of an unknown type (a newer node's). */
    static BusMessage decode(byte[] raw) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw))) {
            int type = in.readUnsignedByte();
            String origin = in.readUTF();
            return switch (type) {
                case 1 -> new Hello(origin);
                case 2 -> new Bye(origin);
                case 3 -> new Mcast(origin, in.readUTF(), bytes(in));
                case 4 -> new Presence(origin, in.readUTF(), in.readUTF(), in.readUTF(), in.readBoolean());
                case 5 -> new Ucast(origin, in.readUTF(), bytes(in));
                case 6 -> {
                    int n = in.readInt();
                    if (n < 0 || n > 1_000_000) {
                        yield null;
                    }
                    List<String> ids = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        ids.add(in.readUTF());
                    }
                    yield new Bcast(origin, ids, bytes(in));
                }
                case 7 -> new Kick(origin, in.readUTF(), in.readUTF());
                default -> null;
            };
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void head(DataOutputStream out, int type, String origin) throws IOException {
        out.writeByte(type);
        out.writeUTF(origin);
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 65536) {
            throw new IOException("bad length");
        }
        return in.readNBytes(n);
    }
}
