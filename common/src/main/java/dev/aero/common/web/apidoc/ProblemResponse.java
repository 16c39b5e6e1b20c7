package dev.aero.common.web.apidoc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A problem+json answer a handler (or every handler of a controller) can give, for the API
 * document: its status, its type's slug ({@code urn:aero:problem:<slug>}) and when it happens.
 * Problems every handler of a kind shares (a malformed body, a refused credential) are added
 * by {@link ApiDocsAutoConfiguration} and need no annotation.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.TYPE })
@Repeatable(ProblemResponse.List.class)
public @interface ProblemResponse {

    int status();

    String type();

    String when();

    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ ElementType.METHOD, ElementType.TYPE })
    @interface List {
        ProblemResponse[] value();
    }
}
