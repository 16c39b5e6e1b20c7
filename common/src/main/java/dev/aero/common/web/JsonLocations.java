package dev.aero.common.web;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;

/**
 * Where in a request body JSON parsing failed, said without Jackson's own message (which names
 * Java classes): " at $.device.name" or " at line 3, column 7".
 */
final class JsonLocations {

    private JsonLocations() {
    }

    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JacksonException je) {
                String path = path(je);
                if (!path.isEmpty()) {
                    return " at " + path;
                }
                TokenStreamLocation location = je.getLocation();
                if (location != null && location.getLineNr() > 0) {
                    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
                }
                return "";
            }
        }
        return "";
    }

    private static String path(JacksonException e) {
        if (e.getPath().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("$");
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                sb.append('.').append(ref.getPropertyName().replaceAll("\\p{Cntrl}", "?"));
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
