package dev.aero.console.users;

import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import dev.aero.client.sp.SharedFolderDetails;
import dev.aero.client.sp.SharedFolderPage;
import dev.aero.client.sp.SpClient;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;

/** The folders one member belongs to (in any state): the organization's folder listing filtered by SP to that member. */
@Component
public class MemberFolders {

    /** A folder and the member's role and state in it. */
    public record Membership(SharedFolderDetails folder, String role, String state) {
    }

    public List<Membership> of(SpClient sp, String email) {
        List<Membership> found = new ArrayList<>();
        SID after = null;
        do {
            SharedFolderPage page = sp.organizationSharedFolders(after, UserID.of(email), 1000);
            for (SharedFolderDetails f : page.folders()) {
                f.members().stream().filter(m -> m.email().equalsIgnoreCase(email)).findFirst()
                        .ifPresent(m -> found.add(new Membership(f, m.role(), m.state())));
            }
            after = page.nextAfter();
        } while (after != null);
        return found;
    }
}
