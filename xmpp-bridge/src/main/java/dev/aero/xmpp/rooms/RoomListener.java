package dev.aero.xmpp.rooms;

import dev.aero.common.id.SID;

/** Told of each room the keeper has brought in line: it exists (with its members set), or it is gone. */
public interface RoomListener {

    RoomListener NONE = new RoomListener() {
        @Override
        public void roomExists(SID sid) {
        }

        @Override
        public void roomGone(SID sid) {
        }
    };

    void roomExists(SID sid);

    void roomGone(SID sid);
}
