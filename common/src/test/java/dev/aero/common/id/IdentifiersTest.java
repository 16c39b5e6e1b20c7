package dev.aero.common.id;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import tools.jackson.databind.DatabindException;
import tools.jackson.databind.json.JsonMapper;

class IdentifiersTest {

    private static final String HEX = "0123456789abcdef0123456789abcdef";
    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void deviceIdAcceptsExactly32LowerCaseHexCharacters() {
        assertThat(DID.of(HEX).hex()).isEqualTo(HEX);
        assertThat(DID.of(HEX)).isEqualTo(DID.fromBytes(DID.of(HEX).toBytes()));
    }

    @ParameterizedTest
    @ValueSource(strings = { "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0", "0123456789abcdef0123456789abcdeg", " 123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcd\n" })
    void deviceIdRejectsAnythingElseNamingTheValue(String bad) {
        assertThatThrownBy(() -> DID.of(bad))
                .isInstanceOf(InvalidIdentifierException.class)
                .hasMessageContaining("device id")
                .hasMessageContaining(InvalidIdentifierException.printable(bad));
    }

    @ParameterizedTest
    @NullAndEmptySource
    void storeIdRejectsMissingValues(String bad) {
        assertThatThrownBy(() -> SID.of(bad)).isInstanceOf(InvalidIdentifierException.class).hasMessageContaining("store id");
    }

    @Test
    void storeIdRejectsUpperCaseNamingTheValue() {
        assertThatThrownBy(() -> SID.of(HEX.toUpperCase()))
                .hasMessageContaining("store id").hasMessageContaining(HEX.toUpperCase());
    }

    @Test
    void deviceAndStoreIdsWithTheSameBytesAreNeverEqual() {
        assertThat((Object) DID.of(HEX)).isNotEqualTo(SID.of(HEX));
        assertThat(DID.of(HEX)).isEqualTo(DID.of(HEX)).hasSameHashCodeAs(DID.of(HEX));
        assertThat(DID.of(HEX).compareTo(DID.of("f" + HEX.substring(1)))).isNegative();
    }

    @Test
    void randomIdsAreValidAndDistinct() {
        assertThat(DID.random()).isNotEqualTo(DID.random());
        assertThat(SID.of(SID.random().hex()).hex()).hasSize(32);
    }

    @Test
    void userIdIsLowerCasedEmail() {
        UserID id = UserID.of("Alice.Smith+files@Example.COM");
        assertThat(id.value()).isEqualTo("alice.smith+files@example.com");
        assertThat(id.isTeamServer()).isFalse();
        assertThat(id.teamServerOrg()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "alice", "alice@", "@example.com", "alice@@example.com", "a@b@example.com", "alice@localhost",
            "alice@example..com", ".alice@example.com", "al..ice@example.com", "alice@-example.com", "alice@exa_mple.com",
            "al ice@example.com", "alice@example.com\n", "\"alice\"@example.com", "alice@[127.0.0.1]", "jörg@example.com",
            "'; DROP TABLE users; --@example.com", ":", ":0", ":00ff", ":xyz", ":123456789" })
    void userIdRejectsWhatIsNotAPlainAddressNamingTheValue(String bad) {
        assertThatThrownBy(() -> UserID.of(bad))
                .isInstanceOf(InvalidIdentifierException.class)
                .hasMessageContaining("user id")
                .hasMessageContaining(InvalidIdentifierException.printable(bad));
    }

    @Test
    void userIdRejectsOverlongAddresses() {
        String local = "a".repeat(64);
        String domain = ("b".repeat(60) + ".").repeat(4) + "com";
        assertThatThrownBy(() -> UserID.of(local + "@" + domain)).hasMessageContaining("longer than 254");
        assertThatThrownBy(() -> UserID.of("a".repeat(65) + "@example.com")).hasMessageContaining("1 to 64");
    }

    @Test
    void teamServerUserIdCarriesItsOrganization() {
        OrgID org = OrgID.of("1f2e");
        UserID teamServer = org.teamServerUser();
        assertThat(teamServer.value()).isEqualTo(":1f2e");
        assertThat(teamServer.isTeamServer()).isTrue();
        assertThat(teamServer.teamServerOrg()).contains(org);
        assertThat(UserID.of(":1f2e")).isEqualTo(teamServer);
    }

    @Test
    void orgIdHasOneCanonicalHexSpelling() {
        assertThat(new OrgID(0x7fffffff).toString()).isEqualTo("7fffffff");
        assertThat(OrgID.of("7fffffff").value()).isEqualTo(Integer.MAX_VALUE);
        assertThatThrownBy(() -> OrgID.of("80000000")).hasMessageContaining("'80000000'").hasMessageContaining("out of range");
        assertThatThrownBy(() -> OrgID.of("01")).hasMessageContaining("leading zero");
        assertThatThrownBy(() -> OrgID.of("AB")).hasMessageContaining("'AB'");
        assertThatThrownBy(() -> new OrgID(0)).isInstanceOf(InvalidIdentifierException.class);
    }

    @Test
    void identifiersTravelInJsonAsPlainStrings() {
        Sample sample = new Sample(DID.of(HEX), SID.of(HEX), UserID.of("bob@example.org"), OrgID.of("a1"));
        String text = json.writeValueAsString(sample);
        assertThat(text).isEqualTo("{\"did\":\"" + HEX + "\",\"sid\":\"" + HEX + "\",\"user\":\"bob@example.org\",\"org\":\"a1\"}");
        assertThat(json.readValue(text, Sample.class)).isEqualTo(sample);
    }

    @Test
    void malformedIdentifierInJsonFailsWithItsMessage() {
        assertThatThrownBy(() -> json.readValue("{\"did\":\"XYZ\",\"sid\":\"" + HEX + "\",\"user\":\"a@b.cd\",\"org\":\"1\"}", Sample.class))
                .isInstanceOf(DatabindException.class)
                .rootCause().isInstanceOf(InvalidIdentifierException.class).hasMessageContaining("'XYZ'");
    }

    record Sample(DID did, SID sid, UserID user, OrgID org) {
    }
}
