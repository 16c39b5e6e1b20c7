package dev.aero.sp.sharing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Builds {@code GET /acl} answers ({@link SharingService.Acl}, as JSON) from two caches whose
 * entries cannot go stale: the whole answer by user and ACL epoch, and each folder's JOINED
 * member list by the folder's {@code acl_version}, which every change to those members or their
 * roles moves. The first read after a change thus queries the reader's folders and the member
 * lists of the folders that changed, not all of them. Together bounded by
 * {@code aero.sp.acl-cache-bytes} (half each).
 */
@Component
class AclAnswers {

    private final SharedFolders folders;
    private final AclEpochs epochs;
    private final JsonMapper json;
    private final VersionedCache<UserID> answers;
    private final VersionedCache<SID> memberLists;

    AclAnswers(SharedFolders folders, AclEpochs epochs, JsonMapper json, @Value("${aero.sp.acl-cache-bytes:33554432}") long maxBytes,
            MeterRegistry meters) {
        this.folders = folders;
        this.epochs = epochs;
        this.json = json;
        this.answers = new VersionedCache<>("answers", maxBytes / 2, meters);
        this.memberLists = new VersionedCache<>("member-lists", maxBytes / 2, meters);
    }

    /** The epoch alone when {@code since} is not below it, else the whole ACL at the current epoch. */
    @Transactional(readOnly = true, propagation = Propagation.MANDATORY)
    byte[] json(UserID user, long since) {
        long epoch = epochs.of(user);
        if (since >= epoch) {
            return json.writeValueAsBytes(new SharingService.Acl(epoch, null));
        }
        byte[] answer = answers.get(user, epoch);
        if (answer == null) {
            answer = build(user, epoch);
            answers.put(user, epoch, answer);
        }
        return answer;
    }

    private byte[] build(UserID user, long epoch) {
        List<SharedFolders.AclFolder> stores = folders.synced(user);
        Map<SID, byte[]> lists = new HashMap<>();
        List<SID> missing = new ArrayList<>();
        Map<SID, Long> versions = new HashMap<>();
        int size = 64;
        for (SharedFolders.AclFolder f : stores) {
            versions.put(f.sid(), f.version());
            byte[] list = memberLists.get(f.sid(), f.version());
            if (list == null) {
                missing.add(f.sid());
            } else {
                lists.put(f.sid(), list);
            }
        }
        if (!missing.isEmpty()) {
            Map<SID, List<SharedFolders.Member>> fetched = folders.joinedMembers(missing);
            for (SID sid : missing) {
                List<SharingService.Acl.Member> members = fetched.getOrDefault(sid, List.of()).stream()
                        .map(m -> new SharingService.Acl.Member(m.user().value(), m.role().name())).toList();
                byte[] list = json.writeValueAsBytes(members);
                memberLists.put(sid, versions.get(sid), list);
                lists.put(sid, list);
            }
        }
        for (byte[] list : lists.values()) {
            size += list.length + 200;
        }
        // The answer is the JSON form of SharingService.Acl, written around the kept member lists.
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        ascii(out, "{\"epoch\":" + epoch + ",\"stores\":[");
        for (int i = 0; i < stores.size(); i++) {
            SharedFolders.AclFolder f = stores.get(i);
            ascii(out, (i == 0 ? "" : ",") + "{\"sid\":\"" + f.sid().hex() + "\",\"name\":");
            out.writeBytes(json.writeValueAsBytes(f.name()));
            ascii(out, ",\"role\":\"" + f.role().name() + "\",\"permissions\":");
            out.writeBytes(json.writeValueAsBytes(f.role().permissions()));
            ascii(out, ",\"members\":");
            out.writeBytes(lists.get(f.sid()));
            ascii(out, "}");
        }
        ascii(out, "]}");
        return out.toByteArray();
    }

    private static void ascii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }
}
