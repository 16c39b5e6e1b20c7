package dev.aero.console.web;

import java.util.Locale;

import org.springframework.stereotype.Component;

/** Byte counts for people: {@code ${@bytes.human(n)}}. */
@Component("bytes")
public class Bytes {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    public String human(long n) {
        double v = n;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return unit == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, UNITS[unit]);
    }
}
