package dev.aero.commands;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class CommandServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(CommandServerApplication.class, args);
    }
}
