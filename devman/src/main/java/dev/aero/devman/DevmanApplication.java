package dev.aero.devman;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class DevmanApplication {

    public static void main(String[] args) {
        SpringApplication.run(DevmanApplication.class, args);
    }
}
