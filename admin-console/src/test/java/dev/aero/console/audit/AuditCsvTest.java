package dev.aero.console.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aero.client.sp.AuditEvent;

class AuditCsvTest {

    @Test
    void cellsWithSeparatorsQuotesOrLineBreaksAreQuotedAndQuotesDoubled() {
        assertThat(AuditCsv.cell("plain@example.com")).isEqualTo("plain@example.com");
        assertThat(AuditCsv.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(AuditCsv.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(AuditCsv.cell("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(AuditCsv.cell(null)).isEmpty();
    }

    @Test
    void aCellASpreadsheetWouldRunAsAFormulaIsDefused() {
        for (String formula : new String[] {"=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"}) {
            String cell = AuditCsv.cell(formula);
            assertThat(cell).as(formula).startsWith("\"'");
            assertThat(cell.substring(2, 3)).as(formula).isEqualTo(formula.substring(0, 1));
        }
    }

    @Test
    void aRowHasEveryColumnInHeaderOrderEndingInCrLf() throws Exception {
        StringWriter out = new StringWriter();
        AuditCsv.header(out);
        AuditCsv.row(out, new AuditEvent(7, "MEMBER_INVITED", "ada@example.com", "=evil()", "192.0.2.1",
                Instant.parse("2026-12-01T09:00:00Z"), Map.of()), "{\"role\":\"USER\"}");
        assertThat(out.toString()).isEqualTo("id,occurred_at,type,actor,target,client_address,details\r\n"
                + "7,2026-12-01T09:00:00Z,MEMBER_INVITED,ada@example.com,\"'=evil()\",192.0.2.1,\"{\"\"role\"\":\"\"USER\"\"}\"\r\n");
    }
}
