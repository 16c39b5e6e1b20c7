package dev.aero.common.testing;

/** What one test class was given; released after the class. */
final class ClassResources implements AutoCloseable {

    private final Class<?> testClass;
    private TestDatabase database;
    private TestRedis redis;

    ClassResources(Class<?> testClass) {
        this.testClass = testClass;
    }

    synchronized TestDatabase database() {
        if (database == null) {
            database = TestDatabase.create(TestServices.mysql(), testClass.getSimpleName());
        }
        return database;
    }

    synchronized TestRedis redis() {
        if (redis == null) {
            redis = TestRedis.allocate(TestServices.redis());
        }
        return redis;
    }

    @Override
    public synchronized void close() {
        if (database != null) {
            database.close();
        }
        if (redis != null) {
            redis.flush();
        }
    }
}
