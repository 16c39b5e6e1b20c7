package dev.aero.sp.sharing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
 * entries cannot go stale: each user's outline by ACL epoch (the JSON around the member lists,
 * and which folder version each list is at), and each folder's JOINED member list by the
 * folder's {@code acl_version}, which every change to those members or their roles moves. An
 * answer is never copied into one array: it is the outline's pieces and the kept member lists,
 * written one after the other. So a user's first read after a change costs one query for its
 * folders and small allocations, and nothing of the size of the answer outlives the request.
 * Together bounded by {@code aero.sp.acl-cache-bytes} (half each).
 */
@Component
class AclAnswers {

    private final SharedFolders folders;
    private final AclEpochs epochs;
    private final JsonMapper json;
    private final VersionedCache<UserID, Outline> outlines;
    private final VersionedCache<SID, byte[]> memberLists;

    AclAnswers(SharedFolders folders, AclEpochs epochs, JsonMapper json, @Value("${aero.sp.acl-cache-bytes:33554432}") long maxBytes,
            MeterRegistry meters) {
        this.folders = folders;
        this.epochs = epochs;
        this.json = json;
        this.outlines = new VersionedCache<>("outlines", maxBytes / 2, Outline::bytes, meters);
        this.memberLists = new VersionedCache<>("member-lists", maxBytes / 2, list -> list.length, meters);
    }

    /** The epoch alone when {@code since} is not below it, else the whole ACL at the current epoch. */
    @Transactional(readOnly = true, propagation = Propagation.MANDATORY)
    Answer answer(UserID user, long since) {
        long epoch = epochs.of(user);
        if (since >= epoch) {
            return new Answer(List.of(json.writeValueAsBytes(new SharingService.Acl(epoch, null))));
        }
        Outline outline = outlines.get(user, epoch);
        if (outline == null) {
            outline = outline(user, epoch);
            outlines.put(user, epoch, outline);
        }
        Map<SID, byte[]> lists = memberLists(outline);
        List<byte[]> parts = new ArrayList<>(outline.pieces().length + outline.sids().length);
        for (int i = 0; i < outline.sids().length; i++) {
            parts.add(outline.pieces()[i]);
            parts.add(lists.get(outline.sids()[i]));
        }
        parts.add(outline.pieces()[outline.sids().length]);
        return new Answer(parts);
    }

    /** The JSON of the answer around its member lists: piece 0, list 0, piece 1, ..., list n-1, piece n. */
    private Outline outline(UserID user, long epoch) {
        List<SharedFolders.AclFolder> stores = folders.synced(user);
        byte[][] pieces = new byte[stores.size() + 1][];
        SID[] sids = new SID[stores.size()];
        long[] versions = new long[stores.size()];
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        ascii(out, "{\"epoch\":" + epoch + ",\"stores\":[");
        for (int i = 0; i < stores.size(); i++) {
            SharedFolders.AclFolder f = stores.get(i);
            ascii(out, (i == 0 ? "" : "},") + "{\"sid\":\"" + f.sid().hex() + "\",\"name\":");
            out.writeBytes(json.writeValueAsBytes(f.name()));
            ascii(out, ",\"role\":\"" + f.role().name() + "\",\"permissions\":");
            out.writeBytes(json.writeValueAsBytes(f.role().permissions()));
            ascii(out, ",\"members\":");
            pieces[i] = out.toByteArray();
            out.reset();
            sids[i] = f.sid();
            versions[i] = f.version();
        }
        ascii(out, stores.isEmpty() ? "]}" : "}]}");
        pieces[stores.size()] = out.toByteArray();
        return new Outline(pieces, sids, versions);
    }

    /** The member lists the outline names, at its versions: kept ones, the others read in one query and kept. */
    private Map<SID, byte[]> memberLists(Outline outline) {
        Map<SID, byte[]> lists = new HashMap<>();
        List<SID> missing = new ArrayList<>();
        Map<SID, Long> versions = new HashMap<>();
        for (int i = 0; i < outline.sids().length; i++) {
            SID sid = outline.sids()[i];
            byte[] list = memberLists.get(sid, outline.versions()[i]);
            if (list == null) {
                missing.add(sid);
                versions.put(sid, outline.versions()[i]);
            } else {
                lists.put(sid, list);
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
        return lists;
    }

    private static void ascii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** A user's answer around its member lists (see {@link #outline}). */
    record Outline(byte[][] pieces, SID[] sids, long[] versions) {

        int bytes() {
            int n = 64 + sids.length * 48;
            for (byte[] piece : pieces) {
                n += piece.length + 16;
            }
            return n;
        }
    }

    /** An answer as the pieces it is written from, in order; none of them may be changed. */
    record Answer(List<byte[]> parts) {

        long length() {
            long n = 0;
            for (byte[] part : parts) {
                n += part.length;
            }
            return n;
        }

        void writeTo(OutputStream out) throws IOException {
            for (byte[] part : parts) {
                out.write(part);
            }
        }

        /** The whole answer in one array (tests and callers that need it whole). */
        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) length());
            parts.forEach(out::writeBytes);
            return out.toByteArray();
        }
    }
}
