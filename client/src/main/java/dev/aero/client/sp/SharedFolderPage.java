package dev.aero.client.sp;

import java.util.List;

import dev.aero.common.id.SID;

/** A page of the organization's folders (admins); {@code nextAfter} is null on the last page. */
public record SharedFolderPage(List<SharedFolderDetails> folders, SID nextAfter) {
}
