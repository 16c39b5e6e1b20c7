package dev.aero.console.audit;

import java.io.IOException;
import java.io.Writer;

import dev.aero.client.sp.AuditEvent;

/**
 * Audit events as CSV (RFC 4180: quoted where needed, CRLF). A cell that a spreadsheet would take
 * for a formula (starting with {@code = + - @}, tab or CR) is prefixed with an apostrophe: an
 * actor or target name is chosen by users, and an export is opened by admins.
 */
final class AuditCsv {

    private AuditCsv() {
    }

    static void header(Writer out) throws IOException {
        out.write("id,occurred_at,type,actor,target,client_address,details\r\n");
    }

    static void row(Writer out, AuditEvent e, String detailsJson) throws IOException {
        out.write(String.valueOf(e.id()));
        out.write(',');
        out.write(e.occurredAt() == null ? "" : e.occurredAt().toString());
        out.write(',');
        out.write(cell(e.type()));
        out.write(',');
        out.write(cell(e.actor()));
        out.write(',');
        out.write(cell(e.target()));
        out.write(',');
        out.write(cell(e.clientAddress()));
        out.write(',');
        out.write(cell(detailsJson));
        out.write("\r\n");
    }

    static String cell(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        String v = value;
        char first = v.charAt(0);
        if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r') {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0 || !v.equals(value)) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}
