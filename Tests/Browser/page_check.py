"""Drives the verification page in headless Chromium (Debian's chromium and chromium-driver, through
selenium): loads it from a live gateway's public listener, verifies each receipt given, and prints
what the page showed as JSON. Run by BrowserPageTests; not a test on its own.

    python3 page_check.py URL SPKI_HASH SCREENSHOT_FOLDER [--paste] [--witnesses=N] NAME=RECEIPT_FILE ...

SPKI_HASH pins the gateway's certificate (base64 SHA-256 of its public key), so the browser speaks
real TLS to it without the test CA in a system store. Each receipt goes through the page's file
input (as a person choosing or dropping a file) or, for --paste, its paste box; the page is
reloaded before each, and a screenshot of each outcome is kept. --witnesses=N asks the page to require
N witness cosignatures (its `witnesses` parameter).
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def browser(spki):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1100,1500",
                     "--ignore-certificate-errors-spki-list=" + spki, "--lang=en-US"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def first_paint(driver):
    return driver.execute_script("""
        const paint = performance.getEntriesByName('first-contentful-paint')[0] || performance.getEntriesByName('first-paint')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        return {firstPaint: paint ? paint.startTime : null, domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
                load: nav ? nav.loadEventEnd : null};
    """)


def main():
    url, spki, shots = sys.argv[1], sys.argv[2], sys.argv[3]
    paste = "--paste" in sys.argv
    query = "/?lang=en" + "".join("&witnesses=" + a.split("=", 1)[1] for a in sys.argv[4:] if a.startswith("--witnesses="))
    receipts = [argument.split("=", 1) for argument in sys.argv[4:] if "=" in argument and not argument.startswith("--")]
    os.makedirs(shots, exist_ok=True)
    driver = browser(spki)
    report = {"receipts": {}}
    try:
        driver.get(url + query)
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "log-size").text not in ("", "…"))
        report["timing"] = first_paint(driver)
        report["logSize"] = driver.find_element(By.ID, "log-size").text
        report["keys"] = len(driver.find_elements(By.CSS_SELECTOR, "#keys-list li"))
        driver.save_screenshot(os.path.join(shots, "page.png"))
        for name, path in receipts:
            driver.get(url + query)
            WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "keys-list").find_elements(By.TAG_NAME, "li"))
            if paste:
                with open(path, encoding="utf-8") as file:
                    driver.execute_script("document.getElementById('paste').value = arguments[0];", file.read())
                driver.find_element(By.ID, "verify").click()
            else:
                driver.find_element(By.ID, "file").send_keys(os.path.abspath(path))
            WebDriverWait(driver, 30).until(
                lambda d: d.find_element(By.ID, "verdict").get_attribute("data-outcome") in ("pass", "fail"))
            steps = [{"step": item.get_attribute("data-step"), "status": item.get_attribute("class").replace("step ", ""),
                      "code": item.get_attribute("data-code"), "text": item.text}
                     for item in driver.find_elements(By.CSS_SELECTOR, "#steps li")]
            answer = {}
            if driver.find_element(By.ID, "answer").is_displayed():
                for field in ["candidate", "decision", "policy", "archive"]:
                    answer[field] = driver.find_element(By.ID, "answer-" + field).text
            driver.find_element(By.ID, "verify-section").screenshot(os.path.join(shots, name + ".png"))
            report["receipts"][name] = {
                "outcome": driver.find_element(By.ID, "verdict").get_attribute("data-outcome"),
                "verdict": driver.find_element(By.ID, "verdict").text, "steps": steps, "answer": answer,
            }
    finally:
        driver.quit()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
