package dev.aero.sp;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class SpServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(SpServiceApplication.class, args);
    }
}
