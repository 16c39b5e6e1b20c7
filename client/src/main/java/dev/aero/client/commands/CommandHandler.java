package dev.aero.client.commands;

import dev.aero.common.command.Command;

/** What a client does with each command; an exception reports the command as failed (it is retried later). */
@FunctionalInterface
public interface CommandHandler {

    void handle(Command command) throws Exception;
}
