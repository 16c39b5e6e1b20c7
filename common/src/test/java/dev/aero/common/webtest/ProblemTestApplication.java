package dev.aero.common.webtest;

import java.util.Map;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.id.DID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.common.id.UserID;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** A small app standing in for any platform service, to exercise the shared error handling. */
@SpringBootApplication
public class ProblemTestApplication {

    record Rename(@NotBlank @Size(max = 10) String name, DID device) {
    }

    @RestController
    @Validated
    static class SampleController {

        @GetMapping("/devices/{did}")
        Map<String, String> device(@PathVariable DID did) {
            return Map.of("device_id", did.hex());
        }

        @GetMapping("/users")
        Map<String, String> user(@RequestParam UserID email) {
            return Map.of("user", email.value());
        }

        @PostMapping("/renames")
        Rename rename(@Valid @RequestBody Rename rename) {
            return rename;
        }

        @GetMapping("/limited")
        Map<String, Integer> limited(@RequestParam @Max(5) int count) {
            return Map.of("count", count);
        }

        @GetMapping("/public-info")
        org.springframework.http.ResponseEntity<Map<String, String>> publicInfo() {
            return org.springframework.http.ResponseEntity.ok().cacheControl(org.springframework.http.CacheControl.maxAge(java.time.Duration.ofMinutes(5)))
                    .body(Map.of("info", "cacheable"));
        }

        @GetMapping("/boom")
        String boom() {
            throw new IllegalStateException("secret internal detail at com.example.Foo");
        }

        @GetMapping("/conflict")
        String conflict() {
            throw new ApiProblemException(HttpStatus.CONFLICT, "device-owned-elsewhere", "That device belongs to another user.",
                    Map.of("device_id", "00112233445566778899aabbccddeeff"));
        }
    }
}
