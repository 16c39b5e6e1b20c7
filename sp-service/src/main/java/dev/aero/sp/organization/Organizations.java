package dev.aero.sp.organization;

import org.springframework.data.jpa.repository.JpaRepository;

interface Organizations extends JpaRepository<Organization, Integer> {
}
