package dev.aero.console.web;

import org.springframework.stereotype.Component;

import dev.aero.client.sp.Member;

/** Members' names for templates: {@code ${@people.name(member)}}. */
@Component("people")
public class People {

    public String name(Member m) {
        String first = m.firstName() == null ? "" : m.firstName();
        String last = m.lastName() == null ? "" : m.lastName();
        return (first + " " + last).strip();
    }
}
