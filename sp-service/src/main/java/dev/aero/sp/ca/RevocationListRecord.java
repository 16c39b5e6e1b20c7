package dev.aero.sp.ca;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The single row holding the current signed CRL. */
@Entity
@Table(name = "certificate_revocation_list")
class RevocationListRecord {

    static final byte ID = 1;

    @Id
    private Byte id;

    @Column(name = "crl_number", nullable = false)
    private long crlNumber;

    @Column(columnDefinition = "mediumblob")
    private byte[] der;

    @Column(name = "this_update")
    private Instant thisUpdate;

    @Column(name = "next_update")
    private Instant nextUpdate;

    protected RevocationListRecord() {
    }

    long crlNumber() {
        return crlNumber;
    }

    byte[] der() {
        return der;
    }

    Instant thisUpdate() {
        return thisUpdate;
    }

    Instant nextUpdate() {
        return nextUpdate;
    }

    void replace(long number, byte[] encoded, Instant thisUpdate, Instant nextUpdate) {
        this.crlNumber = number;
        this.der = encoded;
        this.thisUpdate = thisUpdate;
        this.nextUpdate = nextUpdate;
    }
}
