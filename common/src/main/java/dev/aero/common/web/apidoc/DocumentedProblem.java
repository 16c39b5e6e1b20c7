package dev.aero.common.web.apidoc;

/** One problem type an operation can answer with, as the API document lists it. */
public record DocumentedProblem(int status, String type, String when) {

    static DocumentedProblem of(ProblemResponse annotation) {
        return new DocumentedProblem(annotation.status(), annotation.type(), annotation.when());
    }
}
