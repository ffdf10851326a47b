# CPack settings and install rules; included last from the top-level CMakeLists.txt.
install(TARGETS txpulse txpulse-replay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
