package dev.aero.verkehr;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class VerkehrApplication {

    public static void main(String[] args) {
        SpringApplication.run(VerkehrApplication.class, args);
    }
}
