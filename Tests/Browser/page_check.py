"""Drives the verification page in headless Chromium (Debian's chromium and chromium-driver, through
selenium): loads it once from a live gateway's public listener, verifies each receipt given in
turn, and prints what the page showed as JSON. Run by BrowserPageTests (and the first-paint
benchmark); not a test on its own.

    python3 page_check.py URL SPKI_HASH SCREENSHOT_FOLDER [--witnesses=N] NAME=RECEIPT_FILE ... [paste:NAME=FILE]

SPKI_HASH pins the gateway's certificate (base64 SHA-256 of its public key), so the browser speaks
real TLS to it without the test CA in a system store. Each receipt goes through the page's file
input, as a person choosing or dropping a file; one named `paste:NAME` through its paste box. A
screenshot of the page and of each outcome is kept. --witnesses=N asks the page to require N
witness cosignatures (its `witnesses` parameter).
"""
import json
import os
import sys

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


def timing(driver):
    return driver.execute_script("""
        const paint = performance.getEntriesByName('first-contentful-paint')[0] || performance.getEntriesByName('first-paint')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        return {firstPaint: paint ? paint.startTime : null, domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
                load: nav ? nav.loadEventEnd : null};
    """)


def verify(driver, name, path, paste):
    verdict = driver.find_element(By.ID, "verdict")
    driver.execute_script("arguments[0].setAttribute('data-outcome', 'none');", verdict)
    if paste:
        with open(path, encoding="utf-8") as file:
            driver.execute_script("document.getElementById('paste').value = arguments[0];", file.read())
        driver.find_element(By.ID, "verify").click()
    else:
        chooser = driver.find_element(By.ID, "file")
        driver.execute_script("arguments[0].value = '';", chooser)
        chooser.send_keys(os.path.abspath(path))
    WebDriverWait(driver, 60).until(lambda d: verdict.get_attribute("data-outcome") in ("pass", "fail"))
    steps = [{"step": item.get_attribute("data-step"), "status": item.get_attribute("class").replace("step ", ""),
              "code": item.get_attribute("data-code"), "text": item.text}
             for item in driver.find_elements(By.CSS_SELECTOR, "#steps li")]
    answer = {}
    if driver.find_element(By.ID, "answer").is_displayed():
        for field in ["candidate", "decision", "policy", "archive"]:
            answer[field] = driver.find_element(By.ID, "answer-" + field).text
    return {"outcome": verdict.get_attribute("data-outcome"), "verdict": verdict.text, "steps": steps, "answer": answer}


def main():
    url, spki, shots = sys.argv[1], sys.argv[2], sys.argv[3]
    query = "/?lang=en" + "".join("&witnesses=" + a.split("=", 1)[1] for a in sys.argv[4:] if a.startswith("--witnesses="))
    receipts = [argument.split("=", 1) for argument in sys.argv[4:] if "=" in argument and not argument.startswith("--")]
    os.makedirs(shots, exist_ok=True)
    driver = browser(spki)
    report = {"receipts": {}}
    try:
        driver.get(url + query)
        WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "log-size").text not in ("", "…"))
        WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "log-witnesses").text not in ("", "…"))
        report["timing"] = timing(driver)
        report["logSize"] = driver.find_element(By.ID, "log-size").text
        report["keys"] = len(driver.find_elements(By.CSS_SELECTOR, "#keys-list li"))
        driver.save_screenshot(os.path.join(shots, "page.png"))
        for name, path in receipts:
            paste = name.startswith("paste:")
            name = name.removeprefix("paste:")
            report["receipts"][name] = verify(driver, name, path, paste)
            driver.find_element(By.ID, "verify-section").screenshot(os.path.join(shots, name + ".png"))
    finally:
        driver.quit()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
