package dev.aero.xmpp.ejabberd;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The commands of ejabberd's admin HTTP API ({@code mod_http_api}) the bridge uses, as its own
 * account (HTTP Basic): room creation with options, destruction, affiliations, the rooms
 * ejabberd holds, ending a device's sessions and reloading the configuration.
 *
 * <p>ejabberd 24.12 renamed the arguments of its room commands ({@code name} became {@code room};
 * {@code set_room_affiliation} takes {@code user} and {@code host} for {@code jid}) and answers
 * affiliations with a {@code jid}, where 23.01 (Debian 12's) takes and answers the old forms and
 * refuses the new ones ("missing argument", "unknown arguments"). The first room command finds
 * out which it is talking to: the new names, and the old ones if those are refused.
 */
public final class EjabberdApi {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The room options of docs/protocols/xmpp.md, as ejabberd's API takes them (strings). */
    public static final Map<String, String> ROOM_OPTIONS = roomOptions();

    private final HttpClient http;
    private final URI base;
    private final String authorization;
    private final String mucService;
    private final Duration timeout;

    /** Whether ejabberd takes the room arguments of 24.12 and later; null until a room command has found out. */
    private volatile Boolean newRoomArguments;

    public EjabberdApi(URI base, String bareJid, String password, String mucService, Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.base = URI.create(base.toString().endsWith("/") ? base.toString() : base + "/");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((bareJid + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.mucService = mucService;
        this.timeout = timeout;
    }

    private static Map<String, String> roomOptions() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("members_only", "true");
        // Not moderated: a moderated room remembers the role a member had, and ejabberd 23.01
        // lets that role back in after the membership is taken away.
        o.put("moderated", "false");
        o.put("persistent", "true");
        o.put("public", "false");
        o.put("public_list", "false");
        o.put("allow_private_messages", "false");
        o.put("allow_query_users", "false");
        o.put("allow_user_invites", "false");
        o.put("allow_change_subj", "false");
        o.put("allow_subscription", "false");
        o.put("mam", "false");
        o.put("logging", "false");
        return Map.copyOf(o);
    }

    /** Creates the room with {@link #ROOM_OPTIONS}; false when it already existed. */
    public boolean createRoom(String name) throws IOException, InterruptedException {
        List<Map<String, String>> options = new ArrayList<>();
        ROOM_OPTIONS.forEach((k, v) -> options.add(Map.of("name", k, "value", v)));
        Result r = roomCall("create_room_with_opts", Map.of("room", name, "service", mucService, "host", hostOf(mucService), "options", options),
                Map.of("name", name, "service", mucService, "host", hostOf(mucService), "options", options));
        if (r.status() == 400 && r.body().contains("already exists")) {
            return false;
        }
        r.requireOk("create_room_with_opts " + name);
        return true;
    }

    /** Destroys the room (its occupants get an unavailable presence with {@code <destroy/>}); false when there was none. */
    public boolean destroyRoom(String name) throws IOException, InterruptedException {
        Result r = roomCall("destroy_room", Map.of("room", name, "service", mucService), Map.of("name", name, "service", mucService));
        if (r.status() == 400 && r.body().contains("exist")) {
            return false;
        }
        r.requireOk("destroy_room " + name);
        return true;
    }

    /** {@code affiliation}: member, or none to take membership away (a present occupant is removed, status 321). */
    public void setAffiliation(String room, String bareJid, String affiliation) throws IOException, InterruptedException {
        int at = bareJid.indexOf('@');
        roomCall("set_room_affiliation", Map.of("room", room, "service", mucService, "user", bareJid.substring(0, Math.max(at, 0)),
                "host", bareJid.substring(at + 1), "affiliation", affiliation),
                Map.of("name", room, "service", mucService, "jid", bareJid, "affiliation", affiliation))
                .requireOk("set_room_affiliation " + room + " " + bareJid + " " + affiliation);
    }

    /** The bare JIDs with an affiliation in the room, by affiliation. */
    public Map<String, String> affiliations(String room) throws IOException, InterruptedException {
        Result r = roomCall("get_room_affiliations", Map.of("room", room, "service", mucService), Map.of("name", room, "service", mucService));
        r.requireOk("get_room_affiliations " + room);
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode a : JSON.readTree(r.body())) {
            // 24.12: {jid, affiliation, reason}; 23.01: {username, domain, affiliation, reason}.
            String jid = a.has("jid") ? a.path("jid").asString() : a.path("username").asString() + "@" + a.path("domain").asString();
            out.put(jid, a.path("affiliation").asString());
        }
        return out;
    }

    /** The names (localparts) of every room ejabberd holds on the MUC service. */
    public List<String> rooms() throws IOException, InterruptedException {
        Result r = call("muc_online_rooms", Map.of("service", mucService));
        r.requireOk("muc_online_rooms");
        List<String> out = new ArrayList<>();
        for (JsonNode jid : JSON.readTree(r.body())) {
            String room = jid.asString();
            int at = room.indexOf('@');
            out.add(at < 0 ? room : room.substring(0, at));
        }
        return out;
    }

    /** Ends every session of the account. */
    public void kickUser(String user, String host) throws IOException, InterruptedException {
        call("kick_user", Map.of("user", user, "host", host)).requireOk("kick_user " + user);
    }

    /** Reloads ejabberd's configuration (and with it the certificate files). */
    public void reloadConfig() throws IOException, InterruptedException {
        call("reload_config", Map.of()).requireOk("reload_config");
    }

    private static String hostOf(String mucService) {
        return mucService.startsWith("c.") ? mucService.substring(2) : mucService;
    }

    /** A room command with the arguments of 24.12 and later ({@code current}) or those before ({@code older}). */
    private Result roomCall(String command, Map<String, ?> current, Map<String, ?> older) throws IOException, InterruptedException {
        Boolean known = newRoomArguments;
        if (Boolean.FALSE.equals(known)) {
            return call(command, older);
        }
        Result r = call(command, current);
        if (known == null) {
            // 23.01 checks for its own names first ("missing argument: name"), then for others.
            boolean refused = r.status() == 400 && (r.body().contains("missing argument") || r.body().contains("unknown arguments"));
            newRoomArguments = !refused;
            if (refused) {
                return call(command, older);
            }
        }
        return r;
    }

    private Result call(String command, Map<String, ?> arguments) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(command)).timeout(timeout).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(arguments)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Result(response.statusCode(), response.body());
    }

    private record Result(int status, String body) {
        void requireOk(String what) throws IOException {
            if (status != 200) {
                throw new IOException("ejabberd API " + what + ": HTTP " + status + " " + body);
            }
        }
    }
}
